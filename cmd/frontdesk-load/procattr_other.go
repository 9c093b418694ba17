//go:build !linux

package main

import "syscall"

// childAttr: only Linux can tie a child's life to its parent's; elsewhere
// the replicas are stopped by the tool's own cleanup.
func childAttr() *syscall.SysProcAttr { return nil }
