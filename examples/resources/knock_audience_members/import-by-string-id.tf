import {
  to = knock_audience_members.beta
  id = "beta-testers"
}
