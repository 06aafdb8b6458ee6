import {
  to = knock_audience_members.beta
  id = "beta-testers"
}

# A resource with tenant: AUDIENCE_KEY/TENANT.
import {
  to = knock_audience_members.admins_acme
  id = "admins/acme"
}
