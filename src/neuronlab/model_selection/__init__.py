"""Hyper-parameter searches over the MLP estimators that train every candidate × fold at once.

``GridSearchCV`` and ``RandomizedSearchCV`` are scikit-learn's, with ``fit`` replaced by one that
hands all the fits to the fused kernel (``folds``); their ``cv_results_`` (``results``) and scores
(``scoring``) follow scikit-learn's rules, so the numbers equal scikit-learn's search over our estimator.
"""

from neuronlab.model_selection.search import GridSearchCV, RandomizedSearchCV

__all__ = ["GridSearchCV", "RandomizedSearchCV"]
