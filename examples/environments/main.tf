# Two Knock environments in one configuration: one provider alias per environment, each with that
# environment's secret key, and one resource per environment. The same audience key names a different
# audience in each environment, so each resource changes only its own environment's memberships.
#
#   export TF_VAR_knock_development_api_key=sk_test_...   # Developers > API keys, in each environment
#   export TF_VAR_knock_production_api_key=sk_...
#   terraform apply
#
# Against the local Knock API instead (see the "Knock environments and branches" guide):
#
#   bin/knock-local-api -api-key sk_test_development,sk_test_production -audience beta-testers &
#   export TF_VAR_knock_base_url=http://127.0.0.1:8080
#   export TF_VAR_knock_development_api_key=sk_test_development TF_VAR_knock_production_api_key=sk_test_production
#   terraform apply -var create_audience=true
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

variable "knock_development_api_key" {
  description = "Secret key of the development environment (TF_VAR_knock_development_api_key)."
  type        = string
  sensitive   = true
}

variable "knock_production_api_key" {
  description = "Secret key of the production environment (TF_VAR_knock_production_api_key)."
  type        = string
  sensitive   = true
}

variable "production_max_removal_percent" {
  description = "The most a plan may remove from the production audience, as a percentage of its members."
  type        = number
  default     = 10
}

variable "knock_development_branch" {
  description = "Knock branch of the development environment to act on; null for the environment itself."
  type        = string
  default     = null
}

variable "knock_base_url" {
  description = "Knock's API, or the local Knock API; null uses KNOCK_BASE_URL, else https://api.knock.app."
  type        = string
  default     = null
}

variable "create_audience" {
  description = "Create beta-testers as a static audience where it does not exist yet."
  type        = bool
  default     = false
}

variable "beta_testers" {
  description = "User ids in the beta-testers audience of each environment."
  type = object({
    development = list(string)
    production  = list(string)
  })
  default = {
    development = ["qa-robot", "dev-alice", "dev-bob"]
    production  = ["alice", "bob"]
  }
}

# Each alias sets api_key itself: an alias without it would read KNOCK_API_KEY, and both aliases would
# then write to the same environment.
provider "knock" {
  alias    = "development"
  api_key  = var.knock_development_api_key
  branch   = var.knock_development_branch
  base_url = var.knock_base_url
}

provider "knock" {
  alias    = "production"
  api_key  = var.knock_production_api_key
  base_url = var.knock_base_url
}

resource "knock_audience_members" "beta_testers_development" {
  provider        = knock.development
  audience_key    = "beta-testers"
  members         = { for id in var.beta_testers.development : id => null }
  create_audience = var.create_audience
}

resource "knock_audience_members" "beta_testers_production" {
  provider        = knock.production
  audience_key    = "beta-testers"
  members         = { for id in var.beta_testers.production : id => null }
  create_audience = var.create_audience

  # Production gets the guard rail: a plan that would remove more than 10% of its members fails, and so
  # does a destroy. To destroy production on purpose, apply with -var production_max_removal_percent=100 first.
  max_removal_percent = var.production_max_removal_percent

  lifecycle {
    precondition {
      # nonsensitive: whether the keys differ reveals neither key.
      condition     = nonsensitive(var.knock_production_api_key != var.knock_development_api_key)
      error_message = "The production and development keys are the same: both provider aliases would write to one Knock environment."
    }
  }
}

output "membership_count" {
  description = "Memberships of beta-testers in each environment, as read from Knock."
  value = {
    development = knock_audience_members.beta_testers_development.membership_count
    production  = knock_audience_members.beta_testers_production.membership_count
  }
}
