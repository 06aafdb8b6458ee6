# Reads the audience back from Knock with the data source, independently of the resource's state.
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

variable "audience_key" {
  type = string
}

data "knock_audience_members" "this" {
  audience_key = var.audience_key
}

output "user_ids" {
  value = data.knock_audience_members.this.user_ids
}
