# The demo configuration that `make demo` applies against the local Knock API. The provider reads
# KNOCK_BASE_URL and KNOCK_API_KEY (memberships), KNOCK_MANAGEMENT_BASE_URL and KNOCK_SERVICE_TOKEN
# (audience definitions) from the environment, which the demo script sets.
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

provider "knock" {}

variable "beta_user_ids" {
  description = "The beta testers. The demo sets it to [] to show the guard rail."
  type        = list(string)
  default     = ["user-1", "user-2", "user-3"]
}

variable "beta_max_removal_percent" {
  description = "The guard rail of beta-testers. It holds for destroy too: the demo lifts it to 100 before destroying."
  type        = number
  default     = 50
}

locals {
  # 60 generated users: more than one page of Knock's 50-member list.
  newsletter_user_ids = [for i in range(60) : format("newsletter-user-%03d", i)]
}

# A static audience: Terraform declares it and, below, its members.
resource "knock_audience" "beta" {
  key         = "beta-testers"
  type        = "static"
  name        = "Beta testers"
  description = "Users who try features first."
}

# A dynamic audience: Knock computes its members from the users' properties.
resource "knock_audience" "premium" {
  key  = "premium-users"
  type = "dynamic"
  name = "Premium users"

  segments = [{
    conditions = [{ property = "recipient.plan", operator = "equal_to", argument = "premium" }]
  }]
}

resource "knock_audience_members" "beta" {
  audience_key = knock_audience.beta.key
  # The first plan runs before knock_audience.beta exists in Knock: let the plan accept a missing audience
  # (the apply creates knock_audience.beta first, so the members are added to it).
  create_audience = true
  members         = provider::knock::members(var.beta_user_ids)

  # Guard rail: a plan that would remove more than half of the audience fails (an empty export must not
  # wipe it), and so does a destroy until the limit is lifted.
  max_removal_percent = var.beta_max_removal_percent
}

resource "knock_audience_members" "newsletter" {
  audience_key = "newsletter"
  members      = { for id in local.newsletter_user_ids : id => null }
}

output "beta_members" {
  value = keys(knock_audience_members.beta.members)
}

output "newsletter_membership_count" {
  value = knock_audience_members.newsletter.membership_count
}
