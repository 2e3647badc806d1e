"""S&OP planning engine: forecasting, inventory policy, simulation.

Pure Python (numpy, pandas, statsmodels); no Odoo import anywhere in this
package. Data goes in and out as DataFrames / arrays with explicit columns.
"""
