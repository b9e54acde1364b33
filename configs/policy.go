package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// glanceConfigDir is where oslo.config looks for files named relative
// to no config file.
const glanceConfigDir = "/etc/glance"

// PolicyFiles finds the operator's policy files as oslo.policy does:
// policy_file, then every regular file of each policy_dirs directory in
// name order. A relative name is looked up beside each config file read,
// then in /etc/glance. A policy_file or policy_dirs entry left at its
// default may be absent; one the operator set must exist.
func (c *Config) PolicyFiles() ([]string, error) {
	var files []string
	file, found := c.findConfigPath(c.Policy.PolicyFile, false)
	switch {
	case found:
		files = append(files, file)
	case c.IsSet(secPolicy, "policy_file"):
		return nil, fmt.Errorf("[%s] policy_file %q: no such file beside the config files or in %s", secPolicy, c.Policy.PolicyFile, glanceConfigDir)
	}
	for _, d := range c.Policy.PolicyDirs {
		dir, found := c.findConfigPath(d, true)
		if !found {
			if c.IsSet(secPolicy, "policy_dirs") {
				return nil, fmt.Errorf("[%s] policy_dirs %q: no such directory beside the config files or in %s", secPolicy, d, glanceConfigDir)
			}
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("[%s] policy_dirs: %w", secPolicy, err)
		}
		var names []string
		for _, e := range entries {
			if e.Type().IsRegular() {
				names = append(names, filepath.Join(dir, e.Name()))
			}
		}
		sort.Strings(names)
		files = append(files, names...)
	}
	return files, nil
}

// findConfigPath resolves name like oslo.config's find_file: as given
// when absolute, else beside the config files, then in /etc/glance.
func (c *Config) findConfigPath(name string, dir bool) (string, bool) {
	if name == "" {
		return "", false
	}
	candidates := []string{name}
	if !filepath.IsAbs(name) {
		candidates = candidates[:0]
		for _, src := range c.Sources {
			candidates = append(candidates, filepath.Join(filepath.Dir(src), name))
		}
		candidates = append(candidates, filepath.Join(glanceConfigDir, name))
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && st.IsDir() == dir {
			return p, true
		}
	}
	return "", false
}
