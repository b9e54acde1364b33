package configs

import "fmt"

// ProtectionFile finds property_protection_file as Glance does, beside
// the config files, then in /etc/glance (an absolute name as given). It
// returns "" when the option is unset, and an error when the file is
// found nowhere, for Glance then refuses to serve.
func (c *Config) ProtectionFile() (string, error) {
	name := c.Default.PropertyProtectionFile
	if name == "" {
		return "", nil
	}
	file, found := c.findConfigPath(name, false)
	if !found {
		return "", fmt.Errorf("[%s] property_protection_file %q: no such file beside the config files or in %s", secDefault, name, glanceConfigDir)
	}
	return file, nil
}
