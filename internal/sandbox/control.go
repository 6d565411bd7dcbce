package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

// ControlPrefix is where the sandbox answers scripts and tests that drive a
// standalone `console sandbox` from another process, as the inspector page
// does in-process: inject faults, read what the fakes received, start over.
// No platform's name starts with an underscore.
//
//	PUT  /_sandbox/faults/<platform>   body: a Fault as JSON ({"Latency": 100000000} = +100 ms)
//	GET  /_sandbox/requests?platform=&path=   the recorded requests, oldest first, as JSON
//	POST /_sandbox/reset               clear faults and recorded requests
const ControlPrefix = "/_sandbox/"

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, ControlPrefix)
	switch {
	case strings.HasPrefix(rest, "faults/") && r.Method == http.MethodPut:
		name := strings.TrimPrefix(rest, "faults/")
		if s.Platform(name) == nil {
			http.Error(w, "no such platform", http.StatusNotFound)
			return
		}
		var f Fault
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&f); err != nil {
			http.Error(w, "body: a Fault as JSON: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.Faults.Set(name, f)
		s.log.Info("fault set", "platform", name, "fault", f.String())
		w.WriteHeader(http.StatusNoContent)
	case rest == "requests" && r.Method == http.MethodGet:
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(s.Recorder.Requests(q.Get("platform"), q.Get("path")))
	case rest == "reset" && r.Method == http.MethodPost:
		s.Faults.Clear()
		s.Recorder.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}
