# SPDX-License-Identifier: GPL-2.0
# ffs-dmabuf: FunctionFS DMABUF for Linux 6.1 LTS. See README.md.

S := scripts
# Where kbuild.sh builds (scripts/lib.sh: build/ext/obj with KERNEL_SRC)
OBJ := build/$(if $(KERNEL_SRC),ext/)obj

.PHONY: all test tree series status check kernel usbtest peer bench discard clean help

# The main job: build the patched kernel and run it in QEMU.
all:
	@$(S)/test.sh quick

# Everything, as CI runs it.
test:
	@$(S)/test.sh full

# (Re)create the working tree build/linux from the base and patches/.
tree:
	@$(S)/deps.sh && $(S)/base.sh >/dev/null && $(S)/tree.sh create

# Export the working tree's commits back into patches/.
series:
	@$(S)/series.sh

status:
	@$(S)/status.sh

# The patch quality gate alone.
check:
	@$(S)/test.sh check

# Build the test kernel only.
kernel:
	@$(S)/deps.sh && $(S)/tree.sh sync && $(S)/kbuild.sh test

# The kernel's UDC test suite (g_zero + usbtest), base against the series.
usbtest:
	@$(S)/usbtest.sh

# Mainline's own DMABUF implementation (6.12) through our selftest, beside ours.
peer:
	@$(S)/peer.sh

# Benchmark: write()/read(), AIO and DMABUF on dummy_hcd, build/bench/report.md
bench:
	@$(S)/deps.sh && $(S)/tree.sh sync && $(S)/kbuild.sh bench config/bench.config && \
	$(S)/initramfs.sh bench && \
	$(S)/bench.sh ours $(OBJ)/bench/arch/x86/boot/bzImage build/initramfs/bench.cpio && \
	$(S)/bench-report.py build/bench/ours.csv

# Drop unexported work in the working tree and re-apply patches/.
discard:
	@$(S)/tree.sh discard

clean:
	rm -rf build/obj build/initramfs build/results build/logs build/check build/vm-cache \
		build/check-mainline build/mainline/obj

help:
	@sed -n 's/^# //p' README.md | head -0; \
	grep -B1 -E '^[a-z]+:' Makefile | grep -v -- -- | paste - - | \
		sed -E 's/^# (.*)\t([a-z]+):.*/  \2\t\1/; /^[a-z]/d'
