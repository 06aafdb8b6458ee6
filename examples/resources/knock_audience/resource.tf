# A static audience: its members are declared with knock_audience_members (or knock_audience_member).
resource "knock_audience" "beta" {
  key         = "beta-testers"
  name        = "Beta testers"
  type        = "static"
  description = "Users who try features before everyone else."
}

resource "knock_audience_members" "beta" {
  audience_key = knock_audience.beta.key
  # The first plan runs before knock_audience.beta exists in Knock: let the plan accept a missing audience
  # (the apply creates knock_audience.beta first, so the members are added to it).
  create_audience = true
  members         = provider::knock::members(["user-1", "user-2"])
}

# A dynamic audience: Knock computes its members from the conditions. A user is a member when it meets
# every condition of at least one segment.
resource "knock_audience" "premium_active" {
  key  = "premium-active"
  name = "Premium users, active"
  type = "dynamic"

  segments = [
    {
      conditions = [
        { property = "recipient.plan", operator = "equal_to", argument = "premium" },
        { property = "recipient.last_seen_at", operator = "is_timestamp_on_or_after", argument = "30_days_ago" },
      ]
    },
    {
      # Or any beta tester: referencing the other audience's key makes Terraform create it first.
      conditions = [
        { property = "recipient", operator = "is_audience_member", argument = knock_audience.beta.key },
      ]
    },
  ]

  # Commit each change in development, so that it can be promoted to production in Knock.
  commit         = true
  commit_message = "Premium active users, managed by Terraform"
}
