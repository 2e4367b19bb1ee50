package pgtest

import "syscall"

// dieWithParent asks the kernel to send the server SIGQUIT (immediate
// shutdown) if the process that started it dies without calling Stop.
func dieWithParent(attr *syscall.SysProcAttr) { attr.Pdeathsig = syscall.SIGQUIT }
