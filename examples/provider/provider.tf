terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

# The secret key of one Knock environment, best taken from the KNOCK_API_KEY environment variable.
provider "knock" {
  # api_key  = var.knock_secret_key # or KNOCK_API_KEY
  # branch   = "my-feature-branch"  # or KNOCK_BRANCH
}
