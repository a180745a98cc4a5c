package bots

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuSample is the CPU time used so far by the server (ServerPID), by
// this process and by the whole machine, where the system tells (Linux's
// /proc).
type cpuSample struct {
	server, self, machine       time.Duration
	serverOK, selfOK, machineOK bool
}

func takeCPU(serverPID int) cpuSample {
	var s cpuSample
	if serverPID > 0 {
		s.server, s.serverOK = procCPU(strconv.Itoa(serverPID))
	}
	s.self, s.selfOK = procCPU("self")
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		s.machine, err = parseMachineStat(string(b))
		s.machineOK = err == nil
	}
	return s
}

// parseMachineStat returns the busy time of all CPUs from the first line
// of /proc/stat: user, nice, system, irq, softirq and steal (not idle and
// iowait).
func parseMachineStat(s string) (time.Duration, error) {
	line, _, _ := strings.Cut(s, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("bots: /proc/stat: unexpected first line %q", line)
	}
	var ticks int64
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bots: /proc/stat: %w", err)
		}
		if i != 3 && i != 4 { // idle, iowait
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// userHZ is the unit of the times in /proc/PID/stat: USER_HZ, 100 on every
// Linux architecture.
const userHZ = 100

// procCPU returns the user+system CPU time of a process from
// /proc/PID/stat.
func procCPU(pid string) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, false
	}
	t, err := parseStat(string(b))
	return t, err == nil
}

// parseStat reads utime and stime, fields 14 and 15 of /proc/PID/stat.
// The command name (field 2) may hold spaces and parentheses, so fields
// are counted from the last ')'.
func parseStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bots: /proc stat without a command name")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("bots: /proc stat with %d fields", len(f)+2)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bots: /proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}
