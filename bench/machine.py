"""What the numbers were measured on: they mean little without the machine and its load."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    try:
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict[str, str]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "cpus (nproc)": str(usable),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "pulumi": _version("pulumi"),
        "pulumi-policy": _version("pulumi-policy"),
        "load average (1, 5, 15 min)": load,
    }
