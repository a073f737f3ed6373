"""The import worker: runs the queued import jobs, one after another per service instance."""

from __future__ import annotations

from aiq_contacts.imports.service import ImportService
from aiq_shared.workers import Tick


def queued_imports(imports: ImportService) -> Tick:
    """A tick: jobs whose service stopped are failed, then the oldest queued job runs (True:
    look again at once, there may be more)."""

    async def tick() -> bool:
        await imports.fail_stalled()
        return await imports.run_next()

    return tick
