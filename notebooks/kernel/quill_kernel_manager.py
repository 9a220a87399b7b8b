"""A Jupyter kernel manager that gives the Java kernel a few seconds to start before the first request.

rapaio-jupyter-kernel 3.0.1 binds its sockets before it registers its message handlers (Channels.connect:
bind, then kernel.registerChannels, then handlers = new HashMap). A kernel_info_request that arrives in
that window throws a NullPointerException on the kernel's shell thread, which then dies, and the client
waits forever ("Kernel didn't respond in 60 seconds"). jupyter_client sends that request at once, so we
wait QUILL_KERNEL_WARMUP_S seconds (default 20) after the process starts, before any client talks to it.
"""
import asyncio
import os

from jupyter_client.manager import AsyncKernelManager


class WarmStartKernelManager(AsyncKernelManager):
    async def start_kernel(self, **kw):
        await super().start_kernel(**kw)
        await asyncio.sleep(float(os.environ.get("QUILL_KERNEL_WARMUP_S", "20")))
