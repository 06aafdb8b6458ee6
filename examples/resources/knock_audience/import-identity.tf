# The environment must be the provider's.
import {
  to = knock_audience.beta
  identity = {
    key         = "beta-testers"
    environment = "development"
  }
}
