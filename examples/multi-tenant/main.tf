# A multi-tenant audience declared per tenant: each resource owns the memberships under its tenant
# (authoritative within that slice) and never touches the others, so the same user can be a member
# under several tenants, and a warehouse sync can keep owning the memberships without tenant.
terraform {
  required_providers {
    knock = {
      source  = "knock-tf/knock"
      version = "~> 0.1"
    }
  }
}

provider "knock" {}

variable "members_by_tenant" {
  description = "Tenant id => user ids that belong to the audience under that tenant."
  type        = map(list(string))
  default = {
    acme   = ["user-1", "user-2"]
    globex = ["user-1", "user-3"]
  }
}

resource "knock_audience_members" "by_tenant" {
  for_each     = var.members_by_tenant
  audience_key = "beta-testers"
  tenant       = each.key
  members      = { for id in each.value : id => null } # the tenant is the resource's: values stay null

  # A tenant's list that comes back empty must not empty the tenant's slice.
  max_removal_percent = 20
}
