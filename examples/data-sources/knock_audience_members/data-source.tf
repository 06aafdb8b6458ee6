# Ids and tenants only: members (user id => tenant), user_ids and membership_count.
data "knock_audience_members" "beta" {
  audience_key = "beta-testers"

  # Fail the plan, and with it the pipeline, when the audience is smaller than expected, before
  # anything copies it. (A check block would only warn.)
  lifecycle {
    postcondition {
      condition     = self.membership_count >= var.beta_min_members
      error_message = "beta-testers holds ${self.membership_count} memberships, fewer than ${var.beta_min_members}: is the sync that fills it broken?"
    }
  }
}

variable "beta_min_members" {
  type    = number
  default = 1
}

# Copy audience A to B: members has the resource's own shape, tenants included.
resource "knock_audience_members" "beta_copy" {
  audience_key = "beta-testers-copy"
  members      = data.knock_audience_members.beta.members
}

# Members of A that are not in B.
data "knock_audience_members" "newsletter" {
  audience_key = "newsletter"
}

output "beta_testers_not_in_newsletter" {
  value = sort(setsubtract(data.knock_audience_members.beta.user_ids, data.knock_audience_members.newsletter.user_ids))
}

# Only the memberships under one tenant.
data "knock_audience_members" "beta_acme" {
  audience_key = "beta-testers"
  tenant       = "acme"
}

# The users' properties are personal data: read only when asked for, and sensitive.
data "knock_audience_members" "beta_with_users" {
  audience_key            = "beta-testers"
  include_user_properties = true
}

output "beta_emails" {
  value     = sort([for user in data.knock_audience_members.beta_with_users.users : user.email if user.email != null])
  sensitive = true
}
