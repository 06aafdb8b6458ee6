package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// smallSteps are the scenario's steps: create, then a plan that must be empty.
var smallSteps = [...]step{stepCreate, stepNoopPlan}

// runSmall runs the many-small-resources scenario o.repeat times; r.err is why it was given up. Where the
// sizes measure one resource holding N members, this measures what Terraform and the provider pay per
// resource instance: M knock_audience_member resources on one audience, each a gRPC call to the provider
// per operation (terraform_data is served inside Terraform), sharing one listing of the audience and
// batching their adds.
func (b *bench) runSmall(ctx context.Context, o options) *sizeResult {
	r := &sizeResult{n: o.resources}
	for rep := 1; rep <= o.repeat; rep++ {
		var byVariant [numVariants][numSteps]measure
		for _, v := range variantOrder(rep, []variant{ours, baseline}) {
			ms, err := b.runSmallVariant(ctx, o.resources, rep, v)
			if ctx.Err() != nil {
				return r
			}
			if err != nil {
				r.err = err
				reportFailure(fmt.Sprintf("M=%d resources", o.resources), err)
				return r
			}
			byVariant[v] = ms
			fmt.Fprintf(os.Stderr, "knock-bench: M=%d resources run %d/%d %-8s create %.2fs, noop-plan %.2fs\n",
				o.resources, rep, o.repeat, v, ms[stepCreate].wall.Seconds(), ms[stepNoopPlan].wall.Seconds())
		}
		r.runs = append(r.runs, byVariant)
	}
	return r
}

// runSmallVariant creates the m resources and plans again, in a fresh directory and, for ours, against a
// fresh local Knock API; after each step of ours the audience must hold exactly the m users.
func (b *bench) runSmallVariant(ctx context.Context, m, rep int, v variant) (out [numSteps]measure, err error) {
	dir := filepath.Join(b.root, fmt.Sprintf("m%d-run%d-%s", m, rep, v))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(smallConfig(v)), 0o600); err != nil {
		return out, err
	}
	if err := writeIDs(filepath.Join(dir, "users.auto.tfvars.json"), `{"users":[`, "", "]}\n", 1, m); err != nil {
		return out, err
	}
	env, api, err := b.variantEnv(v)
	if err != nil {
		return out, err
	}
	if api != nil {
		defer api.close()
	}
	for _, s := range smallSteps {
		args := applyArgs
		if s == stepNoopPlan {
			args = planArgs
		}
		label := fmt.Sprintf("M=%d resources run %d %s %s", m, rep, v, s)
		ms, err := b.runStep(ctx, dir, env, api, b.timeoutFor(m), label, fmt.Sprintf("step-%d.log", s), args...)
		if err != nil {
			return out, err
		}
		if api != nil {
			if err := checkAudience(api.knock, 1, m); err != nil {
				return out, &runError{what: label + ": " + err.Error()}
			}
		}
		out[s] = ms
	}
	return out, nil
}

// smallConfig is the scenario's root module: one resource per user id of var.users. The baseline's
// terraform_data holds what ours declares, so that the difference is the resource alone.
func smallConfig(v variant) string {
	const users = "variable \"users\" {\n  type = set(string)\n}\n\n"
	if v == baseline {
		return users + `resource "terraform_data" "bench" {
  for_each = var.users
  input = {
    audience_key = "` + benchAudience + `"
    user_id      = each.value
  }
}
`
	}
	return knockProvider + users + `resource "knock_audience_member" "bench" {
  for_each     = var.users
  audience_key = "` + benchAudience + `"
  user_id      = each.value
}
`
}
