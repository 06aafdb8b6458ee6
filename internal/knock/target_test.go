package knock_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/knock-tf/terraform-provider-knock/internal/knock"
)

func TestTarget_tellsEnvironmentsAndBranchesApartWithoutTheKey(t *testing.T) {
	client := func(key, branch string) knock.Target {
		c, err := knock.New(knock.Config{BaseURL: "https://api.knock.app", APIKey: key, Branch: branch})
		if err != nil {
			t.Fatal(err)
		}
		return c.Target()
	}
	a := client("sk_test_environment_a", "")
	if d := a.Differences(client("sk_test_environment_a", "")); len(d) != 0 {
		t.Errorf("one key and branch differ from themselves: %v", d)
	}
	if d := a.Differences(client("sk_test_environment_b", "")); len(d) != 1 || !strings.Contains(d[0], "API key") {
		t.Errorf("another key: %v, want the key named", d)
	}
	if d := a.Differences(client("sk_test_environment_a", "feature")); len(d) != 1 || !strings.Contains(d[0], `branch "feature", not unset`) {
		t.Errorf("another branch: %v", d)
	}
	raw, _ := json.Marshal(a)
	if strings.Contains(string(raw), "environment_a") {
		t.Errorf("the target carries the key: %s", raw)
	}
}
