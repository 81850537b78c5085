package store

import (
	bolt "go.etcd.io/bbolt"
)

// Read-only browsing for the dashboard: what a tenant holds, without knowing
// each provider's collections in advance.

// Collections lists the tenant's records per provider and collection, with
// how many records each holds: provider -> collection -> count.
func (s *Store) Collections(tenant string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	err := s.db.View(func(btx *bolt.Tx) error {
		tb := nested(btx.Bucket(bTenants), tenant)
		if tb == nil {
			return nil
		}
		return tb.ForEachBucket(func(p []byte) error {
			pb := tb.Bucket(p)
			cols := map[string]int{}
			err := pb.ForEachBucket(func(c []byte) error {
				if IsIndexBucket(string(c)) {
					return nil
				}
				n := 0
				_ = pb.Bucket(c).ForEach(func(_, v []byte) error {
					if v != nil {
						n++
					}
					return nil
				})
				cols[string(c)] = n
				return nil
			})
			out[string(p)] = cols
			return err
		})
	})
	return out, err
}
