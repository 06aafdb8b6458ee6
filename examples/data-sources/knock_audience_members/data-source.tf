data "knock_audience_members" "beta" {
  audience_key = "beta-testers"
}

# Only the memberships under one tenant.
data "knock_audience_members" "beta_acme" {
  audience_key = "beta-testers"
  tenant       = "acme"
}

output "beta_emails" {
  value = [for m in data.knock_audience_members.beta.members : m.email if m.email != null]
}

# Copy one audience's users into another.
resource "knock_audience_members" "beta_copy" {
  audience_key = "beta-testers-copy"
  members      = { for id in data.knock_audience_members.beta.user_ids : id => null }
}
