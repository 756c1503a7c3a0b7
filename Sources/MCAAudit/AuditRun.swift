import MCAModel
