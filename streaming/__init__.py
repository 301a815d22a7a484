"""The real-time fraud path: a PyFlink job that scores every event into Redis.

The pipeline reads as source -> parse -> key -> detect -> score -> sink:

- ``parse``: envelopes to validated, normalized events (``streaming.parse``);
- ``detectors``: plain-Python detectors over keyed state (``streaming.detectors``);
- ``sink``: idempotent Redis writes, one atomic command per verdict (``streaming.sink``);
- ``job``: the Flink job that wires them (``streaming.job``);
- ``consumer``: the same rules without Flink, the baseline to compare against;
- ``run``: the command line (``python -m streaming.run``).
"""
