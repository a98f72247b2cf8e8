package main

import (
	"net/http"
	"runtime/debug"
)

// freeAfterDeletes hands the memory of deleted objects back to the OS once a DeleteObject or DeleteObjects
// request was answered. Go collects garbage only as the heap grows (or every two minutes) and returns
// freed pages later still, so without this a server whose objects were deleted keeps its peak RSS: 1.5 GiB
// stored and deleted stayed 1.5 GiB of RSS for 30 s, and storing 1.5 GiB more made it 2 GiB.
func freeAfterDeletes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		if r.Method == http.MethodDelete || (r.Method == http.MethodPost && r.URL.Query().Has("delete")) {
			debug.FreeOSMemory()
		}
	})
}
