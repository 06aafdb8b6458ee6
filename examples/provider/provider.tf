terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

# The secret key of one Knock environment, best taken from the KNOCK_API_KEY environment variable, and for
# audience definitions a Management API service token, best taken from KNOCK_SERVICE_TOKEN.
provider "knock" {
  # api_key       = var.knock_secret_key    # or KNOCK_API_KEY
  # branch        = "my-feature-branch"     # or KNOCK_BRANCH
  # service_token = var.knock_service_token # or KNOCK_SERVICE_TOKEN
  # environment   = "development"           # or KNOCK_ENVIRONMENT
}
