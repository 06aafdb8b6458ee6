# The definition of an audience made in Knock's dashboard.
data "knock_audience" "premium" {
  key = "premium-active"
}

output "premium_conditions" {
  value = data.knock_audience.premium.type == "dynamic" ? data.knock_audience.premium.segments : null
}
