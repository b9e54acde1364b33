package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/policy"
	"github.com/spf13/cobra"
)

// newEnforcer compiles the policy as [oslo_policy] configures it.
// Without auth, Glance's unauthenticated context holds no roles, so the
// secure-RBAC defaults would refuse it everything: unless the operator
// chose, it runs on the legacy defaults, as Glance before secure RBAC.
func newEnforcer(cfg *configs.Config) (*policy.Enforcer, error) {
	files, err := cfg.PolicyFiles()
	if err != nil {
		return nil, err
	}
	newDefaults := cfg.Policy.EnforceNewDefaults
	if cfg.AuthMode() == configs.AuthNone && !cfg.IsSet("oslo_policy", "enforce_new_defaults") {
		newDefaults = false
	}
	return policy.NewEnforcer(policy.Config{
		EnforceScope:       cfg.Policy.EnforceScope,
		EnforceNewDefaults: newDefaults,
		Files:              files,
	})
}

// newProtections compiles property_protection_file, when one is set,
// against the policy its policies-format rules name.
func newProtections(cfg *configs.Config, p *policy.Enforcer) (*policy.Protections, error) {
	file, err := cfg.ProtectionFile()
	if err != nil || file == "" {
		return nil, err
	}
	prot, err := policy.NewProtections(file, cfg.Default.PropertyProtectionRuleFormat, p)
	if err != nil {
		return nil, fmt.Errorf("[DEFAULT] property_protection_file %w", err)
	}
	return prot, nil
}

// warnPolicy logs what an operator most likely did not mean.
func warnPolicy(cfg *configs.Config, p *policy.Enforcer, prot *policy.Protections, logger *slog.Logger) {
	usedByProtections := map[string]bool{}
	for _, r := range prot.Rules() {
		usedByProtections[r] = true
	}
	for _, r := range p.Unused() {
		if usedByProtections[r.Name] {
			continue
		}
		logger.Warn("Policy rule " + r.Name + " in " + r.File + " is neither checked by Glance nor referred to by another rule")
	}
	for _, w := range prot.Warnings() {
		logger.Warn("[DEFAULT] property_protection_file " + w)
	}
	if cfg.AuthMode() == configs.AuthNone && !p.Legacy() {
		logger.Warn("[oslo_policy] enforce_new_defaults = true without authentication: the unauthenticated context holds no roles, so every rule that asks for one refuses it")
	}
}

// policyCommand prints the effective policy, as oslopolicy-policy-generator
// does for Glance.
func policyCommand(flags *configFlags, stdout io.Writer) *cobra.Command {
	var casbin bool
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Print the effective policy: Glance's defaults with the operator's overrides",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			p, err := newEnforcer(cfg)
			if err != nil {
				return err
			}
			return p.WritePolicy(stdout, casbin)
		},
	}
	cmd.Flags().BoolVar(&casbin, "casbin", false, "also print the compiled casbin model")
	return cmd
}
