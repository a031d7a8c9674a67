"""Reading expression and clinical files: one reader for every format and both paths.

:func:`read_cohort` reads a whole file into a :class:`~biomark.cohort.Cohort`; the streaming
scorer (:func:`biomark.scoring.score_file`) reads a file of any size chunk by chunk. Both go
through the same pieces, so that they accept and refuse the same files with the same messages:

* :mod:`biomark.io.layout`: the layout sniffer (format, encoding, separator, decimal mark,
  header, id column);
* :mod:`biomark.io.chunks`: the chunk iterator (``read_cohort`` concatenates its chunks,
  ``score_file`` streams them);
* :mod:`biomark.io.cells`: the vectorised cell parser (numbers, missing values, Undetermined);
* :mod:`biomark.io.assay`: the assay rules (the qPCR Ct rule, counts and library sizes,
  intensities, which reference markers −ΔCt uses);
* :mod:`biomark.io.columns`: sample ids, orientation, the panel's marker columns;
* :mod:`biomark.io.reader` (``read_cohort``) and :mod:`biomark.io.clinical` (the clinical join);
* :mod:`biomark.io.output`: sample ids made safe for spreadsheets and streamed, atomic output.

``docs/cohorts.md`` is the user-facing description of the formats and rules.
"""

from __future__ import annotations

from biomark.io.assay import DEFAULT_CT_CUTOFF, reference_markers
from biomark.io.cells import NA_TOKENS, UNDETERMINED_TOKENS, Cells, Where, parse_cells
from biomark.io.chunks import DEFAULT_CHUNK_ROWS, Chunk, ChunkReader, read_columns
from biomark.io.clinical import read_clinical
from biomark.io.layout import Layout, TextHead, sniff_layout, sniff_text
from biomark.io.reader import ASSAYS, read_cohort

__all__ = ["ASSAYS", "DEFAULT_CHUNK_ROWS", "DEFAULT_CT_CUTOFF", "NA_TOKENS", "UNDETERMINED_TOKENS", "Cells", "Chunk",
           "ChunkReader", "Layout", "TextHead", "Where", "parse_cells", "read_clinical", "read_cohort", "read_columns",
           "reference_markers", "sniff_layout", "sniff_text"]
