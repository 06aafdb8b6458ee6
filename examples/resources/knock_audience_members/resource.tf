# Each key is a Knock user id; the value is the membership's tenant, or null for none.
resource "knock_audience_members" "beta" {
  audience_key = "beta-testers"
  members = {
    "user-1" = null   # member without tenant
    "user-2" = "acme" # member under tenant acme
  }
}

# The common case: a list of user ids from a file, a data source or a module output.
locals {
  newsletter_user_ids = split("\n", trimspace(file("${path.module}/newsletter-users.txt")))
}

resource "knock_audience_members" "newsletter" {
  audience_key = "newsletter"
  members      = { for id in local.newsletter_user_ids : id => null }
}

# Members from a data source, with a guard against an empty result wiping the audience.
resource "knock_audience_members" "active_customers" {
  audience_key        = "active-customers"
  members             = { for id in local.newsletter_user_ids : id => null }
  max_removal_percent = 10
}

# One tenant's slice of an audience: memberships under other tenants, or without tenant, are left alone.
# With tenant set, every value is null: the tenant is the resource's.
resource "knock_audience_members" "admins_acme" {
  audience_key = "admins"
  tenant       = "acme"
  members      = { "user-7" = null, "user-9" = null }
}

# Share an audience with a warehouse sync: own only what is declared here.
resource "knock_audience_members" "vip_overrides" {
  audience_key  = "vip"
  authoritative = false
  members       = { "user-42" = null }
}
