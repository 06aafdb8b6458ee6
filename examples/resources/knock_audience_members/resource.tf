# Each key is a Knock user id; the value is the membership's tenant, or null for none.
resource "knock_audience_members" "beta" {
  audience_key = "beta-testers"
  members = {
    "user-1" = null   # member without tenant
    "user-2" = "acme" # member under tenant acme
  }
}

# The most common source: an export to CSV with a header row, user_id,tenant, and an empty tenant for a
# membership without tenant. Each user once: a for expression refuses a key that appears twice. The guard
# rail stops a plan that would remove more than 10% of the audience, as a truncated export would.
locals {
  active_customers = csvdecode(file("${path.module}/active-customers.csv"))
}

resource "knock_audience_members" "active_customers" {
  audience_key        = "active-customers"
  members             = { for row in local.active_customers : row.user_id => row.tenant != "" ? row.tenant : null }
  max_removal_percent = 10
}

# A warehouse export of hundreds of thousands of members: members_file reads it instead of a map, so that
# the members never enter Terraform's plan and state. Each plan reads the file (CSV with user_id and
# tenant columns here; one id a line and JSON lines work too, gzipped or not) and shows the counts and
# the first changes; the state keeps the file's hash. The guard rail stops a truncated export.
resource "knock_audience_members" "engaged" {
  audience_key        = "engaged-users"
  members_file        = "${path.module}/engaged-users.csv.gz"
  max_removal_percent = 5
}

# A list of user ids from a file of one id per line, a data source or a module output.
locals {
  newsletter_user_ids = split("\n", trimspace(file("${path.module}/newsletter-users.txt")))
}

resource "knock_audience_members" "newsletter" {
  audience_key = "newsletter"
  members      = { for id in local.newsletter_user_ids : id => null }
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
