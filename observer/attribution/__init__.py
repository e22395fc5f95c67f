"""Attribution: who owns an asset, and whose a query's cost is — always with the reason why."""
