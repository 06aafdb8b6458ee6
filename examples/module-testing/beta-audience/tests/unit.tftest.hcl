# Unit tests: the knock provider is mocked (Terraform 1.7 and later), so nothing is sent anywhere and
# no key is needed. Computed attributes come from the mock: membership_count is 0 unless set below.
mock_provider "knock" {}

variables {
  user_ids = [" alice ", "bob", "bob ", "Bob", "carol", ""]
}

run "normalizes_user_ids" {
  command = plan

  assert {
    condition     = output.user_ids == tolist(["Bob", "alice", "bob", "carol"])
    error_message = "user ids are not trimmed and deduplicated with their case kept (Knock ids are case-sensitive): ${jsonencode(output.user_ids)}"
  }

  assert {
    condition     = keys(knock_audience_members.this.members) == tolist(["Bob", "alice", "bob", "carol"])
    error_message = "members must hold exactly the normalized user ids."
  }

  assert {
    condition     = alltrue([for tenant in values(knock_audience_members.this.members) : tenant == null])
    error_message = "members must map each user id to null (no tenant)."
  }

  assert {
    condition     = knock_audience_members.this.audience_key == "beta-testers"
    error_message = "the default audience is beta-testers."
  }
}

run "excludes_opted_out_users" {
  command = plan

  variables {
    excluded_user_ids = [" carol", "BOB"]
  }

  assert {
    condition     = keys(knock_audience_members.this.members) == tolist(["Bob", "alice", "bob"])
    error_message = "excluding carol and BOB (no such user: ids are case-sensitive) must leave Bob, alice and bob."
  }
}

run "rejects_an_empty_list" {
  command = plan

  variables {
    user_ids = ["", "  "]
  }

  expect_failures = [var.user_ids]
}

run "reports_the_count_from_knock" {
  # An apply against the mock: override what Knock would report.
  override_resource {
    target = knock_audience_members.this
    values = {
      membership_count = 3
    }
  }

  assert {
    condition     = output.membership_count == 3
    error_message = "membership_count must come from the resource."
  }
}
