package conformance

// Cases is the suite, in the order it runs.
var Cases = []Case{
	upsertFetch, upsertReplaces, updateMerges, queryByID,
	namespaceScoping, defaultNamespace, deleteModes,
	filterOperators, filterLists, filterInvalid,
	metricOrder,
	listPagination,
	limits,
}
