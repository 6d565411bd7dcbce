package sandbox

import (
	"fmt"
	"sync"
	"time"
)

// FaultKind is what a fake does instead of answering normally.
type FaultKind string

const (
	FaultNone      FaultKind = ""
	FaultEnvelope  FaultKind = "envelope"  // HTTP 200 with the platform's error envelope
	FaultHTTP500   FaultKind = "http500"   // HTTP 500 with an HTML body, as a proxy would send
	FaultHang      FaultKind = "hang"      // no answer until the client gives up
	FaultMalformed FaultKind = "malformed" // HTTP 200 with truncated JSON
)

// FaultKinds lists the kinds in the order the inspector offers them.
var FaultKinds = []FaultKind{FaultNone, FaultEnvelope, FaultHTTP500, FaultHang, FaultMalformed}

// Fault is injected into one platform's calls.
type Fault struct {
	Kind    FaultKind
	Latency time.Duration // added to every call, fault or not
	Code    string        // error code for FaultEnvelope ("" = the platform's generic failure)
	Message string        // error message for FaultEnvelope
	Path    string        // only calls to this path ("" = every path)
	Times   int           // how many calls it hits; 0 = until cleared
}

func (f Fault) String() string {
	if f.Kind == FaultNone && f.Latency == 0 {
		return "none"
	}
	s := string(f.Kind)
	if s == "" {
		s = "latency"
	}
	if f.Latency > 0 {
		s += fmt.Sprintf(" +%s", f.Latency)
	}
	if f.Path != "" {
		s += " on " + f.Path
	}
	if f.Times > 0 {
		s += fmt.Sprintf(" ×%d", f.Times)
	}
	return s
}

// Faults holds the fault configured for each platform.
type Faults struct {
	mu sync.Mutex
	by map[string]*Fault
}

func newFaults() *Faults { return &Faults{by: map[string]*Fault{}} }

// Set replaces the fault of a platform.
func (f *Faults) Set(platform string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fault.Kind == FaultNone && fault.Latency == 0 {
		delete(f.by, platform)
		return
	}
	cp := fault
	f.by[platform] = &cp
}

// Clear removes every fault.
func (f *Faults) Clear() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.by = map[string]*Fault{}
}

// Get returns the fault configured for a platform.
func (f *Faults) Get(platform string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p := f.by[platform]; p != nil {
		return *p
	}
	return Fault{}
}

// take returns the fault to apply to one call and consumes one of its Times.
func (f *Faults) take(platform, path string) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.by[platform]
	if p == nil {
		return Fault{}
	}
	out := Fault{Latency: p.Latency}
	if p.Kind != FaultNone && (p.Path == "" || p.Path == path) {
		out = *p
		if p.Times > 0 {
			p.Times--
			if p.Times == 0 {
				if p.Latency > 0 {
					p.Kind = FaultNone
				} else {
					delete(f.by, platform)
				}
			}
		}
	}
	return out
}
