# Where the integration tests find the local Knock API. Override with
# terraform test -var knock_base_url=... -var knock_api_key=...
#
# The test file's provider "knock" block reaches this module's run too: name the provider's source here,
# or OpenTofu looks for hashicorp/knock.
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

variable "knock_base_url" {
  description = "Base URL of the local Knock API."
  type        = string
  default     = "http://127.0.0.1:8080"

  validation {
    condition     = can(regex("^http://127\\.0\\.0\\.1(:[0-9]+)?$", var.knock_base_url))
    error_message = "The integration tests run only against the local Knock API on this machine, such as http://127.0.0.1:8080."
  }
}

variable "knock_api_key" {
  description = "A key the local Knock API accepts (its -api-key flag)."
  type        = string
  default     = "sk_test_local"
  sensitive   = true
}

output "base_url" {
  value = var.knock_base_url
}

output "api_key" {
  value     = var.knock_api_key
  sensitive = true
}
