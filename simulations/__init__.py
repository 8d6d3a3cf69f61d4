"""The SimPy engine: an edge fleet, per-site links and an autoscaled GPU pool.

Knows nothing of pydantic, Streamlit or money; takes the small typed inputs of
``simulations.inputs`` and returns plain records (``simulations.records``). Time is in seconds.
"""
