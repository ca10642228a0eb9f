"""Social-network statistics and simulations.

Distance clustering of traits (Christakis & Fowler style, with exact permutation nulls) and
fast contagion simulators (SIS, SIR, SISa, threshold).
"""
