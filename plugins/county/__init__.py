"""What a county office does with its units' reports: who has handed in what (:mod:`.status`,
``nianbao status``) and the county report added up from theirs (:mod:`.aggregate`,
``nianbao aggregate``)."""
