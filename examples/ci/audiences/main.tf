# The configuration that the CI examples plan and apply, once per Knock environment. Each environment
# has its own state (environments/<name>.s3.tfbackend), its own values (environments/<name>.tfvars) and
# its own secret key, which the pipeline puts in KNOCK_API_KEY from the CI secret store.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }

  # Filled in by `terraform init -backend-config=environments/<name>.s3.tfbackend`.
  backend "s3" {}
}

# api_key from KNOCK_API_KEY: the pipeline sets it to the secret key of the environment being planned.
provider "knock" {}

variable "environment" {
  description = "The Knock environment this state belongs to."
  type        = string

  validation {
    condition     = contains(["development", "production"], var.environment)
    error_message = "environment is development or production."
  }
}

variable "beta_testers" {
  description = "User ids in the beta-testers audience."
  type        = list(string)
}

variable "max_removal_percent" {
  description = "Fail the plan when it would remove more than this share of beta-testers."
  type        = number
  default     = 10
}

resource "knock_audience_members" "beta_testers" {
  audience_key        = "beta-testers"
  members             = { for id in var.beta_testers : id => null }
  max_removal_percent = var.max_removal_percent
}

output "beta_testers_count" {
  description = "Memberships of beta-testers in this environment."
  value       = knock_audience_members.beta_testers.membership_count
}
