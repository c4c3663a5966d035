package probe

// categories lists every Category in the order the docs present them.
var categories = []Category{
	CategoryOK, CategoryAuthFailure, CategoryRateLimited, CategoryQuotaExhausted, CategoryModelUnavailable,
	CategoryClientError, CategoryServerError, CategoryTimeout, CategoryNetworkError, CategoryRedirect,
	CategoryInvalidResponse,
}

// CategoryNames lists the category names for documentation and validation.
func CategoryNames() []string {
	names := make([]string, len(categories))
	for i, c := range categories {
		names[i] = string(c)
	}
	return names
}
