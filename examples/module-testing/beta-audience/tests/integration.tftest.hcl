# Integration tests against the local Knock API (Terraform 1.7 and later). Start it first:
#
#   knock-local-api -api-key sk_test_local -audience beta-testers
#
# and run `terraform test`; for another address or key:
#
#   terraform test -var knock_base_url=http://127.0.0.1:9090 -var knock_api_key=sk_test_other
#
# The first run block reads those two values through tests/local-api, which refuses anything but a
# loopback address, so these tests can never change a real Knock environment.
provider "knock" {
  base_url = run.local_api.base_url
  api_key  = run.local_api.api_key
}

variables {
  user_ids = ["alice", "Bob", "carol", "dave", "erin"]
}

# The knock provider's configuration comes from the first run, so that run gets another one, which it
# never uses (Terraform 1.15 reports a cycle otherwise, and OpenTofu wants the provider declared).
provider "knock" {
  alias    = "unused"
  base_url = "http://127.0.0.1:9"
  api_key  = "sk_test_unused"
}

run "local_api" {
  providers = {
    knock = knock.unused
  }

  module {
    source = "./tests/local-api"
  }
}

run "create" {
  assert {
    condition     = output.membership_count == 5
    error_message = "the audience holds ${output.membership_count} memberships, not 5."
  }
}

run "audience_holds_the_members" {
  module {
    source = "./tests/verify"
  }

  variables {
    audience_key = "beta-testers"
  }

  assert {
    condition     = output.user_ids == tolist(["Bob", "alice", "carol", "dave", "erin"])
    error_message = "Knock's audience holds ${jsonencode(output.user_ids)}."
  }
}

run "remove_one" {
  # One of five is 20%: within the module's max_removal_percent of 25.
  variables {
    excluded_user_ids = ["carol"]
  }

  assert {
    condition     = output.membership_count == 4
    error_message = "the audience holds ${output.membership_count} memberships, not 4."
  }
}

run "audience_lost_the_member" {
  module {
    source = "./tests/verify"
  }

  variables {
    audience_key = "beta-testers"
  }

  assert {
    condition     = output.user_ids == tolist(["Bob", "alice", "dave", "erin"])
    error_message = "Knock's audience holds ${jsonencode(output.user_ids)}."
  }
}

run "lift_guard_rail_for_teardown" {
  # The guard rails hold for destroy too: the teardown after the last run destroys the audience's four
  # memberships, which max_removal_percent = 25 would refuse.
  variables {
    excluded_user_ids   = ["carol"]
    max_removal_percent = 100
  }

  assert {
    condition     = output.membership_count == 4
    error_message = "the audience holds ${output.membership_count} memberships, not 4."
  }
}
