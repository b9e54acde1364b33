package keystone

import (
	"crypto/sha256"
	"sync"
	"time"
)

// tokenKey is the SHA-256 of a token: the cache never holds a token
// itself, and two tokens never share a key.
type tokenKey [sha256.Size]byte

// cache keeps validated tokens until their entry's time is up. It holds
// at most max entries: a full cache first drops what has expired, then
// arbitrary entries, so a flood of distinct valid tokens costs Keystone
// calls, never memory. Refused tokens are not kept.
type cache struct {
	mu      sync.RWMutex
	entries map[tokenKey]cacheEntry
	max     int
}

type cacheEntry struct {
	token *token
	until time.Time
}

func newCache(max int) *cache {
	return &cache{entries: make(map[tokenKey]cacheEntry), max: max}
}

// get returns the token kept under key if its entry is still good at now.
func (c *cache) get(key tokenKey, now time.Time) (*token, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	return e.token, true
}

// put keeps t under key until until; an entry already over is dropped.
func (c *cache) put(key tokenKey, t *token, until, now time.Time) {
	if !now.Before(until) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.makeRoom(now)
	}
	c.entries[key] = cacheEntry{token: t, until: until}
}

// makeRoom drops expired entries, then arbitrary ones (map order picks)
// until a tenth of the cache is free, so the sweep's cost is spread over
// the inserts that filled it again.
func (c *cache) makeRoom(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max-c.max/10 {
			break
		}
		delete(c.entries, k)
	}
}

// len is the number of entries, expired ones included.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}
