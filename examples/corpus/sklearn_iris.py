"""scikit-learn: fit a classifier on the iris data set the package ships.

    python sklearn_iris.py logistic|tree      (forest: a branch no recorded run takes)
"""

import sys

from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split

kind = sys.argv[1] if len(sys.argv) > 1 else "logistic"
if kind == "logistic":
    from sklearn.linear_model import LogisticRegression
    model = LogisticRegression(max_iter=500)
elif kind == "tree":
    from sklearn.tree import DecisionTreeClassifier
    model = DecisionTreeClassifier(random_state=0)
else:
    from sklearn.ensemble import RandomForestClassifier
    model = RandomForestClassifier(n_estimators=20, random_state=0)
iris = load_iris()
x_train, x_test, y_train, y_test = train_test_split(
    iris.data, iris.target, test_size=0.3, random_state=0)
predicted = model.fit(x_train, y_train).predict(x_test)
print(kind, "accuracy %.3f" % accuracy_score(y_test, predicted))
print(confusion_matrix(y_test, predicted))
