"""The boot check: the app built, started and answered within its deadline. The engine
gets that far before any stage runs; this stage turns those facts into outcomes and checks
the thresholds a requirement may set (``max_boot_s``, ``max_image_mb``, and
``bind_all_interfaces`` — a boot diagnosis worth points where an exercise says so)."""

from __future__ import annotations

from kata.outcomes import Outcome, Status
from kata.stages.registry import StageContext, stage


@stage("boot")
def boot(ctx: StageContext) -> list[Outcome]:
    outcomes = []
    size_mb = (ctx.image.size_bytes / 1e6) if ctx.image else 0.0
    for req in ctx.requirements:
        measured = {"boot_s": round(ctx.boot_seconds or 0.0, 2), "image_mb": round(size_mb, 1)}
        problems = []
        if (limit := req.thresholds.get("max_boot_s")) and (ctx.boot_seconds or 0) > limit:
            problems.append(f"ready after {ctx.boot_seconds:.1f} s (limit {limit} s)")
        if (limit := req.thresholds.get("max_image_mb")) and size_mb > limit:
            problems.append(f"image is {size_mb:.0f} MB (limit {limit} MB)")
        if req.thresholds.get("bind_all_interfaces"):
            listening = ctx.app.listening() or []
            ports = {p for a, p in listening if a in ("0.0.0.0", "::")}
            if ctx.app.port not in ports:
                problems.append(f"the app does not listen on all interfaces at port "
                                f"{ctx.app.port} (it listens on "
                                f"{', '.join(f'{a}:{p}' for a, p in listening) or 'nothing'})")
        if not ctx.app.running():
            problems.append("the app is not running any more")
        status = Status.FAIL if problems else Status.PASS
        message = "; ".join(problems) or (
            f"ready in {ctx.boot_seconds:.1f} s · image {size_mb:.0f} MB"
        )
        outcomes.append(Outcome(req.id, status, message, measurements=measured))
    return outcomes
