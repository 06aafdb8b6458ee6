# The id is the audience key; the audience is read in the provider's environment.
import {
  to = knock_audience.beta
  id = "beta-testers"
}
