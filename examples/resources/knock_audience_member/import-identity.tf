# A membership without tenant: tenant is left out.
import {
  to = knock_audience_member.beta["user-1"]
  identity = {
    audience_key = "beta-testers"
    user_id      = "user-1"
  }
}

# A membership under a tenant. Identities hold the parts as they are: no escaping.
import {
  to = knock_audience_member.acme_admin
  identity = {
    audience_key = "admins"
    user_id      = "user-42"
    tenant       = "acme"
  }
}
