# A small module that uses the knock provider: the beta-testers audience of one Knock environment,
# from a list of user ids that may come with stray spaces and repeats. Knock user ids are case-sensitive
# ("Bob" and "bob" are two users), so the module keeps their case. The module declares no
# provider block; its caller (or the test) configures the knock provider.
#
# tests/unit.tftest.hcl checks its logic with mock_provider "knock" (no Knock, no network);
# tests/integration.tftest.hcl applies it against the local Knock API. Run both with `terraform test`
# (see the "Testing your modules" guide).
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

variable "audience_key" {
  description = "Key of the static audience to manage."
  type        = string
  default     = "beta-testers"
}

variable "user_ids" {
  description = "User ids of the beta testers, as they come: surrounding spaces are ignored and repeats dropped; case is kept (Knock ids are case-sensitive)."
  type        = list(string)

  validation {
    condition     = length([for id in var.user_ids : id if trimspace(id) != ""]) > 0
    error_message = "user_ids holds no user id: an empty list would remove every beta tester."
  }
}

variable "max_removal_percent" {
  description = "Fail the plan when it would remove more than this share of the audience."
  type        = number
  default     = 25
}

variable "excluded_user_ids" {
  description = "User ids that never join, such as people who opted out."
  type        = list(string)
  default     = []
}

locals {
  excluded = toset([for id in var.excluded_user_ids : trimspace(id)])
  user_ids = sort(distinct([
    for id in var.user_ids : trimspace(id)
    if trimspace(id) != "" && !contains(local.excluded, trimspace(id))
  ]))
}

resource "knock_audience_members" "this" {
  audience_key        = var.audience_key
  members             = { for id in local.user_ids : id => null }
  max_removal_percent = var.max_removal_percent
}

output "user_ids" {
  description = "The user ids the audience holds after apply, sorted."
  value       = local.user_ids
}

output "membership_count" {
  description = "Memberships of the audience, as read from Knock."
  value       = knock_audience_members.this.membership_count
}
