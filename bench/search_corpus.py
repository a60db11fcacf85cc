"""French text of a quality-management vault, for bench/search.py (a helper, not a bench).

Each document is about two pages (5,000 to 7,000 characters, pages separated by a form feed as
the PDF extractor writes them) of general French drawn from one vocabulary with a Zipf
distribution (the word of rank r is drawn with probability proportional to 1/r), so that common
words are common and rare words rare: function words first (the French configuration drops them
as stop words but they fill the text as in real prose), then everyday words, then about 30,000
made-up words standing for the long tail (technical terms, names of places and products).
Each document is also about one topic, as real ones are: eight words of quality management
and two domain phrases ("revue de direction", "PASS IAE", "accompagnement
socioprofessionnel"...), themselves drawn by popularity, that its sentences keep coming back
to; a popular word such as "procédure" is then in most documents and a specialised one in a few
percent. Each page carries a header with a person's name, a date and a reference number.
"""

from __future__ import annotations

import itertools
import random


def _words(text: str) -> list[str]:
    return text.split()


STOP = _words("""
de la le les des et à en du un une pour par est dans sur au aux avec que qui sont ce
cette ses son leur leurs il elle ne pas plus être a ont été selon lors chaque tout
tous nous vous on se sa ou mais si
""")
DOMAIN = _words("""procédure procédures réclamation réclamations formation formations fournisseur
fournisseurs direction revue audit audits interne qualité qualités manuel processus pilote
pilotes indicateur indicateurs objectif objectifs risque risques opportunité opportunités
action actions corrective correctives préventive amélioration continue client clients
bénéficiaire bénéficiaires salarié salariés insertion accompagnement socioprofessionnel
parcours emploi employeur employeurs conseiller conseillère référent référente entretien
entretiens individuel collectif évaluation évaluations compétence compétences habilitation
certificat attestation attestations émargement feuille enregistrement enregistrements document
documents documentaire maîtrise version validation validé validée approbation approuvé
responsable responsabilités autorité organigramme politique engagement engagements écoute
satisfaction enquête questionnaire résultats analyse analyses tableau bord suivi mesure mesures
surveillance conformité non-conformité écart écarts constat constats preuve preuves
planification plan plans programme revue réunion compte rendu ordre jour décision décisions
contrat contrats convention conventions partenaire partenaires prestataire prestataires achat
achats commande commandes réception contrôle contrôles vérification étalonnage équipement
équipements infrastructure locaux sécurité santé hygiène environnement déchets accident
incident incidents plainte plaintes traitement délai délais relance relances clôture
efficacité efficience performance budget financement subvention agrément agréments chantier
chantiers atelier ateliers encadrant encadrants technique techniques tuteur tutrice tutorat
période immersion mise situation professionnelle savoir-être savoir-faire freins levée
logement mobilité santé numérique illettrisme orientation prescripteur prescripteurs France
Travail mission locale département conseil dialogue gestion sociale diagnostic projet
projets contexte enjeux parties intéressées besoins attentes exigence exigences norme
chapitre article clause périmètre domaine application sortie dynamique durable positive
taux retour recrutement intégration accueil livret onboarding fiche poste mission missions
compétent évaluer mesurer analyser améliorer maîtriser piloter valider approuver archiver
conserver diffuser communiquer informer former sensibiliser accompagner orienter recruter
""")
COMMON = _words("""
année mois semaine journée date personne personnes équipe équipes service services
structure structures site sites travail travaux activité activités ensemble partie cas moyen
moyens temps niveau niveaux question questions point points besoin rôle lieu nombre groupe
groupes cadre outil outils information informations demande demandes réponse réponses retour
échange échanges proposition propositions règle règles principe principes ressource
ressources charge charges modalité modalités condition conditions situation situations
étape étapes pratique pratiques présentation bilan bilans objet fin début partage version
premier première dernier dernière nouveau nouvelle nouveaux nouvelles important importante
général générale particulier particulière possible nécessaire régulier régulière annuel
annuelle mensuel mensuelle trimestriel semestriel interne externe propre commun commune
faire mettre prendre donner permettre assurer prévoir réaliser présenter définir identifier
transmettre recevoir proposer organiser préparer suivre vérifier contrôler noter indiquer
rappeler préciser signaler demander répondre disposer concerner porter tenir
""")
PHRASES = [
    "revue de direction", "traitement des réclamations", "évaluation des fournisseurs",
    "plan de formation", "action corrective", "accompagnement socioprofessionnel",
    "PASS IAE", "satisfaction des bénéficiaires", "entretien individuel", "maîtrise des documents",
    "audit interne", "non-conformité", "indicateurs de performance", "politique qualité",
    "parties intéressées", "compte rendu de réunion", "feuille d'émargement",
    "attestation de formation", "mise en situation professionnelle", "levée des freins",
    "sortie dynamique", "agrément IAE", "conseiller en insertion professionnelle",
    "période de mise en situation en milieu professionnel", "dialogue de gestion",
    "responsable qualité", "tableau de bord", "écoute client", "analyse des risques",
    "amélioration continue", "habilitation électrique", "registre des accidents",
    "contrat à durée déterminée d'insertion", "fiche de poste", "livret d'accueil",
    "enquête de satisfaction", "programme d'audit", "plan d'actions",
    "évaluation des compétences", "revue des contrats", "surveillance des prestataires",
]
FIRST = _words("""Hélène Jean Marie Nathalie Sophie Karim Fatima Lucas Chloé Mathieu Aurélie Nicolas
Amélie Julien Inès Thierry Céline Mehdi Laure Benoît Élodie François Samia Yann
Agnès Rachid Gaëlle Hugo Manon Sébastien
""")
LAST = _words("""Guérin Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon
Laurent Lefèvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard
André Lefebvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure
Rousseau Blanc Guerin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément
Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer
Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Perez
Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux Colin
Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois
Renaud Lemoine Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez
Da Silva Hubert Louis Charles Guillot Rivière Le Gall Guillaume Adam Rey Moulin
Gonzalez Berger Lecomte Menard Fleury Deschamps Carpentier Julien Benoit Paris Maillard
Marchal Aubry Vasseur Le Roux Renault Jacquet Collet Prévost Poirier Charpentier
Royer Huet Baron Dupuy Pons Paul Laine Carré Breton Rémy Schneider Perrot Guyot
Barre Marty Cousin
""")
KINDS = ["Procédure", "Compte rendu", "Attestation", "Rapport", "Enregistrement", "Contrat",
         "Fiche", "Plan", "Note", "Questionnaire", "Bilan", "Convention", "Registre"]
_SYLLABLES = _words("""
ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi
mo mu na ne ni no pa pe pi po ra re ri ro ru sa se si so ta te ti to va ve vi
vo pla pré tri cro gra bré vé né lé ré ché gé mé sté tra con pro per sur dé
pou mou lou gou cour tour vour fran gran plan quan
""")
_ENDINGS = _words("""tion ment age eur euse ique isme ité ance ence ure oir ier ière elle ette ant
ent al ale ée é is at oire ude
""")
TAIL = 30_000


def made_up_words(count: int, rng: random.Random) -> list[str]:
    """`count` distinct pseudo-French words, none a word of the lists above."""
    known = set(STOP) | set(DOMAIN) | set(COMMON)
    words: dict[str, None] = {}
    while len(words) < count:
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
        word = stem + rng.choice(_ENDINGS)
        if word not in known:
            words[word] = None
    return list(words)


class Corpus:
    """Documents drawn from one vocabulary, reproducible from `seed`."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        # General French by rank: function words on top, then everyday words, then the tail.
        self.vocabulary = STOP + COMMON + made_up_words(TAIL, self.rng)
        self.cumulative = zipf(len(self.vocabulary))
        self.domain_weights = zipf(len(DOMAIN))
        self.phrase_weights = zipf(len(PHRASES))
        self.topic: tuple[list[str], list[str]] = ([], [])

    def word_at(self, rank: int) -> str:
        """The general word of this frequency rank (1 = most frequent)."""
        return self.vocabulary[rank - 1]

    def _sentence(self) -> str:
        rng = self.rng
        words = rng.choices(self.vocabulary, cum_weights=self.cumulative, k=rng.randint(8, 20))
        topic_words, topic_phrases = self.topic
        for _ in range(rng.randint(1, 3)):
            words.insert(rng.randrange(len(words) + 1), rng.choice(topic_words))
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words) + 1), rng.choice(topic_phrases))
        sentence = " ".join(words)
        return sentence[0].upper() + sentence[1:] + "."

    def person(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def page(self, chars: int, number: int, reference: str) -> str:
        rng = self.rng
        lines = [f"{reference} — page {number}. Rédigé par {self.person()} le "
                 f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2019, 2026)}."]
        size = len(lines[0])
        while size < chars:
            paragraph = " ".join(self._sentence() for _ in range(rng.randint(3, 6)))
            lines.append(paragraph)
            size += len(paragraph) + 1
        return "\n".join(lines)

    def item(self, number: int, reference: str) -> tuple[str, str, str]:
        """(title, description, text) of one document about one topic: a dozen words of
        quality management and two domain phrases, drawn by popularity (Zipf), which its
        sentences keep coming back to. The text is two pages, 5,000 to 7,000 characters."""
        rng = self.rng
        self.topic = (rng.choices(DOMAIN, cum_weights=self.domain_weights, k=8),
                      rng.choices(PHRASES, cum_weights=self.phrase_weights, k=2))
        title = f"{rng.choice(KINDS)} — {self.topic[1][0]} {rng.randint(2019, 2026)} ({number})"
        description = self._sentence() if rng.random() < 0.6 else ""
        half = rng.randint(2_500, 3_500) - 200  # the last paragraph overshoots
        text = "\f".join(self.page(half, page, reference) for page in (1, 2))
        return title, description, text


def zipf(count: int) -> list[float]:
    """Cumulative weights of ranks 1..count, the rank r weighing 1/r."""
    return list(itertools.accumulate(1 / rank for rank in range(1, count + 1)))
