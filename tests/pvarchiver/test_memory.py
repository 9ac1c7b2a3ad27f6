"""A scan's memory is bounded by its pages, not by its result."""

import subprocess
import sys
import tracemalloc

import pyarrow as pa

import arrowtap

SAMPLES = 400_000


def test_scan_holds_a_few_pages_not_the_result() -> None:
    command = [sys.executable, "-m", "arrowtap.testing.pvarchiver", "--port", "0",
               "--samples", str(SAMPLES), "--channels", "2"]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as fake:
        try:
            assert fake.stdout is not None
            url = fake.stdout.readline().strip().removeprefix("READY archive=")
            names = arrowtap.find_archive_channels(url, "*")
            reader = arrowtap.scan_archive_samples(
                url, names, 0, 2**62, page_size=5_000, max_concurrency=1, unit="ns"
            )
            tracemalloc.start()
            rows = total = arrow_peak = 0
            for batch in reader:
                rows += batch.num_rows
                total += batch.nbytes
                arrow_peak = max(arrow_peak, pa.total_allocated_bytes())
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            fake.terminate()
    assert rows == SAMPLES
    # The result is ~80 MB of Arrow data and ~120 MB of JSON; a page is ~1 MB.
    assert total > 50 * 2**20
    assert peak < total / 5, (peak, total)
    assert arrow_peak < total / 5, (arrow_peak, total)
