# The demo configuration that `make demo` applies against the local Knock API. The provider reads
# KNOCK_BASE_URL and KNOCK_API_KEY from the environment, which the demo script sets.
terraform {
  required_providers {
    knock = {
      source = "knock-tf/knock"
    }
  }
}

provider "knock" {}

locals {
  # 60 generated users: more than one page of Knock's 50-member list.
  newsletter_user_ids = [for i in range(60) : format("newsletter-user-%03d", i)]
}

resource "knock_audience_members" "beta" {
  audience_key = "beta-testers"
  members = {
    "user-1" = null   # member without tenant
    "user-2" = "acme" # member under tenant acme
    "user-3" = "globex"
  }
}

resource "knock_audience_members" "newsletter" {
  audience_key = "newsletter"
  members      = { for id in local.newsletter_user_ids : id => null }
}

output "beta_members" {
  value = knock_audience_members.beta.members
}

output "newsletter_membership_count" {
  value = knock_audience_members.newsletter.membership_count
}
