import {
  to = knock_audience_members.beta
  identity = {
    audience_key = "beta-testers"
  }
}

# A resource with tenant names it in the identity too.
import {
  to = knock_audience_members.admins_acme
  identity = {
    audience_key = "admins"
    tenant       = "acme"
  }
}
