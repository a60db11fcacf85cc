"""Labelled French quality documents of an SIAE, answering ISO 9001:2015 clauses (see
`__init__`). Written as such documents are written, in our own words; a title as people give
them (often the file's name)."""

ISO = "iso9001"

DOCUMENTS = [
    dict(key="revue-direction-2025", referential=ISO, expected="9.3",
         also=("9.3.1", "9.3.2", "9.3.3"),
         title="CR RD 2025", text="""
Compte rendu de la revue de direction du 12 février 2025
Participants : Mme Laurent (directrice), M. Diallo (responsable qualité), Mme Petit (cheffe de
service insertion), M. Robert (encadrant technique espaces verts). Excusé : le président.
Ordre du jour : suivi des décisions de la revue précédente, résultats des audits internes,
satisfaction des clients et des salariés en parcours, indicateurs des processus, état des
actions correctives, évolution du contexte et des risques, ressources, opportunités
d'amélioration.
1. Décisions de la revue 2024 : sur huit décisions, six sont soldées ; le remplacement du
véhicule de chantier est reporté au second semestre faute de financement.
2. Indicateurs : taux de sorties dynamiques 58 % (objectif 55 %), taux de réclamations
clients en baisse (4 contre 9), délai moyen d'intervention 6 jours.
3. Audit interne de novembre : deux écarts mineurs sur la maîtrise des documents.
Décisions et actions : mettre à jour la cartographie des risques avant juin (M. Diallo),
budgéter une formation tronçonneuse pour deux encadrants, lancer une enquête auprès des
prescripteurs. Prochaine revue prévue en février 2026.
"""),
    dict(key="bilan-annuel-direction", referential=ISO, expected="9.3",
         also=("9.3.1", "9.3.2", "9.3.3"),
         title="Revue annuelle du système qualité", text="""
Revue du système de management de la qualité — exercice 2024
La direction a réuni le comité qualité le 23 janvier afin d'examiner si notre système reste
approprié, adapté et efficace, et de décider des orientations pour l'année.
Éléments examinés : bilan des objectifs qualité de l'année, retours des clients (enquête
annuelle et réclamations), performance des prestataires externes, résultats du dernier audit
interne et de l'audit de surveillance de l'organisme certificateur, non-conformités relevées et
efficacité des actions engagées, adéquation des moyens humains et matériels.
Constats : les objectifs de délai sont atteints sur l'atelier de second œuvre mais pas sur le
nettoyage ; la satisfaction globale des clients progresse (8,1/10).
Sorties de la revue : trois axes d'amélioration retenus, un besoin de recrutement d'un
chargé d'insertion validé, modification du processus achats. Le relevé de décisions est
diffusé à l'ensemble des permanents et affiché en salle de pause.
"""),
    dict(key="emargement-sst", referential=ISO, expected="7.2", also=(),
         title="Feuille émargement SST mars", text="""
Feuille d'émargement — session de formation Sauveteur Secouriste du Travail (SST)
Organisme de formation : Prévention Formation 44. Formateur : M. Garnier, formateur SST
habilité. Dates : 14 et 15 mars 2025, 14 heures. Lieu : atelier de la structure.
Stagiaires (nom, prénom, poste, signature matin et après-midi) : huit salariés en parcours de
l'équipe espaces verts et deux encadrants techniques.
Objectifs pédagogiques : protéger, examiner, alerter, secourir ; prévenir les accidents sur les
chantiers.
Évaluation : évaluation certificative réalisée le second jour ; neuf stagiaires sur dix
obtiennent leur certificat SST, valable 24 mois. Un stagiaire absent l'après-midi du second jour
sera inscrit à la prochaine session.
Pièces jointes : programme de la formation, grille d'évaluation des acquis, attestations
individuelles remises à chaque participant.
"""),
    dict(key="attestation-caces", referential=ISO, expected="7.2", also=(),
         title="Attestation CACES R489 - Benali", text="""
Attestation de fin de formation
Nous soussignés, centre de formation Logistique Ouest, attestons que M. Karim Benali, salarié
de l'entreprise d'insertion Ressourcerie du Val, a suivi la formation « Conduite de chariots
élévateurs à conducteur porté — catégories 1A et 3 » du 3 au 7 juin 2025, soit 35 heures.
À l'issue des tests théoriques et pratiques, le candidat a obtenu le CACES R489 pour les
catégories indiquées, valable cinq ans. L'employeur reste tenu de délivrer l'autorisation de
conduite après vérification de l'aptitude médicale.
Acquis évalués : règles de circulation, vérifications de prise de poste, manutention de
charges, stockage en palettier.
Fait à Nantes le 7 juin 2025. Le responsable pédagogique.
"""),
    dict(key="matrice-competences", referential=ISO, expected="7.2", also=(),
         title="matrice_polyvalence_atelier_v4", text="""
Matrice de polyvalence de l'atelier de tri textile — mise à jour septembre 2025
Pour chaque salarié : niveau atteint sur chaque poste (1 en apprentissage, 2 autonome sous
contrôle, 3 autonome, 4 capable de former). Postes : réception des dons, tri qualité, pesée,
étiquetage, mise en rayon, caisse, conduite du transpalette.
Les niveaux sont évalués par l'encadrant lors des points mensuels d'observation au poste et
consignés avec la date d'évaluation. Les écarts entre le niveau requis par poste et le niveau
constaté déclenchent une action : tutorat, formation interne ou externe.
Synthèse : 14 salariés évalués ; le poste caisse manque de personnes autonomes (2 sur 14) :
deux formations internes programmées en octobre. Les qualifications des encadrants (titre
professionnel, habilitations) figurent en seconde feuille.
"""),
    dict(key="fiche-poste-encadrant", referential=ISO, expected="5.3", also=("7.2",),
         title="Fiche de poste encadrant technique", text="""
Fiche de poste — Encadrant(e) technique d'insertion, chantier bâtiment second œuvre
Rattachement hiérarchique : directeur de la structure. Liens fonctionnels : conseillère en
insertion professionnelle, responsable qualité.
Missions principales : organiser et planifier le travail de l'équipe (8 salariés en parcours),
transmettre les savoir-faire techniques, veiller au respect des règles de sécurité, contrôler
la qualité des travaux réalisés chez les clients, évaluer la progression de chaque salarié.
Responsabilités et délégations : il est responsable de la tenue du chantier, peut arrêter une
intervention en cas de danger, valide les bons d'intervention et signale les non-conformités.
Profil requis : titre professionnel d'encadrant technique d'insertion ou expérience
équivalente, CAP ou BP dans un métier du bâtiment, permis B. Qualités : pédagogie, patience.
Date de mise à jour : 02/05/2025. Signature du salarié et de la direction.
"""),
    dict(key="evaluation-fournisseurs", referential=ISO, expected="8.4", also=("8.4.1", "8.4.2"),
         title="Eval fournisseurs 2025", text="""
Évaluation annuelle des fournisseurs et sous-traitants — 2025
Critères notés de 1 à 4 : respect des délais de livraison, conformité des produits livrés,
réactivité du service après-vente, prix, engagement social ou environnemental.
Résultats : Matériaux Dupont 3,6 (maintenu) ; Quincaillerie centrale 2,4 (sous surveillance,
deux livraisons incomplètes) ; Location engins Atlantique 3,1 ; sous-traitant élagage
Arbor'Est 3,8 (maintenu, attestation d'assurance à jour).
Un fournisseur noté sous 2,5 reçoit un courrier et un plan d'amélioration ; sous 2 deux
années de suite, il est retiré de la liste des fournisseurs agréés.
Décision : la liste des prestataires agréés est mise à jour et transmise aux encadrants qui
passent les commandes. Prochaine évaluation en décembre.
"""),
    dict(key="liste-fournisseurs-agrees", referential=ISO, expected="8.4",
         also=("8.4.1", "8.4.2", "8.4.3"),
         title="Liste des prestataires externes agréés", text="""
Liste des fournisseurs et prestataires externes agréés — révision 7
Cette liste recense les fournisseurs dont les produits ou services influent sur la qualité de
nos prestations : matériaux, outillage, équipements de protection individuelle, location de
véhicules, sous-traitance de travaux spécialisés et organismes de formation.
Pour chacun : coordonnées, produits ou services achetés, date d'agrément, dernière note
d'évaluation, contrôles à réception prévus (bon de livraison vérifié, contrôle visuel,
certificat de conformité des EPI).
Règle : aucune commande auprès d'un nouveau fournisseur sans fiche de sélection validée par la
direction. Les exigences transmises (délais, normes, références) figurent sur chaque bon de
commande.
"""),
    dict(key="cahier-charges-sous-traitance", referential=ISO, expected="8.4.3",
         also=("8.4", "8.4.1", "8.4.2"),
         title="CDC sous-traitance élagage", text="""
Cahier des charges de sous-traitance — travaux d'élagage en hauteur
Objet : confier à un prestataire qualifié les travaux d'élagage et d'abattage que nos équipes
ne sont pas habilitées à réaliser.
Exigences transmises au prestataire : respect des règles de l'art et des normes de sécurité
(travail en hauteur, balisage), personnel qualifié (certificat de spécialisation taille et soin
des arbres), matériel vérifié, évacuation des déchets verts vers la plateforme agréée,
intervention sous 10 jours ouvrés.
Contrôle de la prestation : réception du chantier par notre encadrant, photographies avant et
après, fiche de réception signée. Toute réserve est notifiée par écrit sous 48 heures.
Le prestataire accepte d'être évalué chaque année sur la qualité, les délais et la sécurité.
"""),
    dict(key="rapport-audit-interne", referential=ISO, expected="9.2", also=("9.2.1", "9.2.2"),
         title="Rapport AI processus achats", text="""
Rapport d'audit interne n° 2025-03 — processus Achats et prestataires
Date : 8 octobre 2025. Auditeur : Mme Roux (formée à l'audit interne, indépendante du processus
audité). Audités : le responsable des achats et un encadrant technique.
Champ et critères : procédure achats version 4, exigences de la norme applicables, contrat
cadre avec le loueur de véhicules.
Constats : points forts — la liste des fournisseurs agréés est à jour, les bons de commande
sont signés. Écart mineur n° 1 : deux livraisons d'EPI réceptionnées sans contrôle tracé.
Piste de progrès : dématérialiser les bons de livraison.
Conclusion : le processus est maîtrisé. Les résultats sont communiqués à la direction et au
pilote du processus ; l'écart fait l'objet d'une fiche d'action corrective à clore sous deux
mois. Suivi prévu lors du prochain audit.
"""),
    dict(key="programme-audits", referential=ISO, expected="9.2", also=("9.2.1", "9.2.2"),
         title="Programme d'audits 2026", text="""
Programme pluriannuel des audits internes 2026-2027
Chaque processus du système est audité au moins une fois tous les dix-huit mois ; la fréquence
tient compte de l'importance du processus, des réclamations et des résultats des audits
précédents.
2026 : mars — accueil et parcours des salariés en insertion ; mai — production espaces verts ;
septembre — gestion des ressources humaines ; novembre — pilotage et revue de direction.
2027 : achats, maîtrise documentaire, relation client.
Auditeurs : trois auditeurs internes qualifiés (formation de deux jours), un auditeur
n'audite jamais son propre travail. Un échange d'auditeurs avec une autre structure du réseau
est prévu pour l'audit de pilotage.
Chaque audit donne lieu à un plan d'audit, un rapport et un suivi des actions décidées.
"""),
    dict(key="resultats-enquete-satisfaction", referential=ISO, expected="9.1.2", also=(),
         title="Résultats enquête clients 2025", text="""
Enquête de satisfaction clients 2025 — synthèse des résultats
Méthode : questionnaire envoyé à 180 clients particuliers et 35 collectivités ou bailleurs ;
112 réponses (52 %).
Résultats : 91 % des clients se disent satisfaits ou très satisfaits de la qualité des
travaux ; 84 % du respect des délais ; 78 % de la communication avant intervention.
Verbatims : « équipe polie et soigneuse », « délai d'attente trop long au printemps ».
Comparaison avec 2024 : progression de 4 points sur les délais, baisse sur l'information
préalable.
Actions décidées : appel de confirmation systématique la veille de l'intervention, fiche
d'information remise au client. Les résultats sont présentés en revue de direction et aux
équipes.
"""),
    dict(key="questionnaire-satisfaction", referential=ISO, expected="9.1.2", also=(),
         title="Questionnaire fin de prestation", text="""
Votre avis nous aide à progresser
Merci d'avoir fait appel à notre équipe. Ce court questionnaire nous permet de savoir si la
prestation a répondu à vos attentes.
1. Comment jugez-vous l'accueil téléphonique ? Très satisfait — satisfait — peu satisfait —
pas satisfait.
2. Le travail réalisé correspond-il à ce qui était prévu au devis ?
3. Les délais annoncés ont-ils été respectés ?
4. Le chantier a-t-il été laissé propre ?
5. Recommanderiez-vous notre entreprise d'insertion à votre entourage ?
Commentaires libres.
Vos réponses sont analysées chaque trimestre par le responsable qualité ; les perceptions des
clients font partie des indicateurs suivis par la direction.
"""),
    dict(key="procedure-reclamations", referential=ISO, expected="8.2.1",
         also=("9.1.2", "8.2", "10.2", "10.2.1"),
         title="PR-07 traitement des réclamations", text="""
Procédure PR-07 — Traitement des réclamations clients
Objet : décrire comment une réclamation d'un client, d'un bailleur ou d'un prescripteur est
enregistrée, traitée et suivie jusqu'à la réponse.
1. Réception : toute réclamation, orale ou écrite, est saisie le jour même dans le registre des
réclamations (date, client, motif, personne qui l'a reçue).
2. Accusé de réception : le client est contacté sous 48 heures.
3. Analyse : le responsable de l'activité recherche les causes avec l'équipe concernée.
4. Réponse : une solution est proposée au client ; la clôture est notée avec son accord.
5. Exploitation : le registre est analysé chaque trimestre ; les réclamations répétées donnent
lieu à une action corrective.
Indicateurs : nombre de réclamations, délai de réponse, part de clients recontactés.
"""),
    dict(key="registre-reclamations", referential=ISO, expected="9.1.2",
         also=("8.2.1", "8.2", "10.2", "10.2.1"),
         title="Registre réclamations T3", text="""
Registre des réclamations — troisième trimestre 2025
R-2025-031, 04/07 : Mme Morel se plaint de déchets verts laissés sur le trottoir après la
tonte. Traitement : retour de l'équipe le lendemain, excuses. Clos le 06/07.
R-2025-032, 18/07 : le bailleur Habitat 44 signale une peinture écaillée dans une cage
d'escalier. Analyse : sous-couche non appliquée. Reprise des travaux, rappel du mode opératoire.
Clos le 30/07.
R-2025-033, 02/09 : retard de trois jours sur un débarras. Cause : véhicule en panne. Client
informé, geste commercial.
Bilan du trimestre : trois plaintes, délai moyen de réponse de 1,7 jour, clients satisfaits de
la réponse dans deux cas sur trois.
"""),
    dict(key="fiche-non-conformite", referential=ISO, expected="10.2",
         also=("10.2.1", "10.2.2", "8.7", "8.7.1", "8.7.2"),
         title="FNC 2025-014", text="""
Fiche de non-conformité et d'action corrective n° 2025-014
Description de l'écart : lors du contrôle final d'un chantier de peinture, deux pièces ont été
livrées avec des traces de rouleau visibles. Détecté par : l'encadrant, le 12/05/2025.
Action immédiate : reprise des deux pièces le 13/05, client informé.
Analyse des causes (méthode des 5 pourquoi) : rouleau inadapté à la peinture satinée, salarié
nouvellement arrivé non formé au geste, absence de contrôle intermédiaire.
Action corrective : fiche technique « choix du rouleau » ajoutée au mode opératoire, formation
au poste des nouveaux arrivants, point de contrôle après la première couche.
Responsable : M. Robert. Échéance : 30/06/2025.
Vérification de l'efficacité le 15/09/2025 : aucun défaut similaire sur les six chantiers
suivants. Action close.
"""),
    dict(key="plan-actions-correctives", referential=ISO, expected="10.2",
         also=("10.2.1", "10.2.2", "10.3"),
         title="Tableau de suivi des actions", text="""
Tableau de suivi des actions correctives et préventives — mise à jour du 3 novembre
AC-21 : écart d'audit interne sur la maîtrise documentaire (versions périmées affichées à
l'atelier). Cause : pas de responsable de l'affichage. Action : nommer un référent, retirer
les anciennes versions. Statut : réalisée, efficacité vérifiée.
AC-22 : réclamation récurrente sur les retards du lundi. Cause : planning établi le vendredi
sans tenir compte des absences. Action : planning validé le lundi à 8 h. Statut : en cours.
AC-23 : accident bénin lors du chargement du camion. Cause : absence de hayon. Action :
location d'un véhicule adapté. Statut : en attente de budget.
Chaque action indique son origine (audit, réclamation, incident), son pilote, son échéance et
la vérification de son efficacité.
"""),
    dict(key="registre-risques", referential=ISO, expected="6.1", also=("6.1.1", "6.1.2"),
         title="Cartographie des risques et opportunités", text="""
Analyse des risques et des opportunités — mise à jour annuelle
Méthode : pour chaque processus, les pilotes ont identifié ce qui pourrait empêcher d'atteindre
les résultats attendus et ce qui pourrait les améliorer. Cotation : probabilité (1 à 4) fois
gravité (1 à 4).
Risques principaux : perte de la convention avec l'État (cotation 8) ; baisse des commandes des
collectivités (9) ; départ d'un encadrant expérimenté (6) ; accident sur chantier (8).
Opportunités : nouveau marché de nettoyage des bâtiments communaux, partenariat avec une
entreprise locale pour des mises en situation, aides à l'investissement pour un véhicule
électrique.
Actions décidées pour chaque risque coté au-delà de 6 : responsable, échéance, moyen de
mesurer si l'action a été efficace. Revue lors de la revue de direction.
"""),
    dict(key="politique-qualite", referential=ISO, expected="5.2",
         also=("5.2.1", "5.2.2", "5.1", "5.1.1"),
         title="Politique qualité signée", text="""
Politique qualité de l'association
Notre raison d'être est de permettre à des personnes éloignées de l'emploi de retrouver un
travail durable grâce à une activité utile au territoire.
La direction s'engage à :
— satisfaire nos clients par des prestations de qualité, réalisées dans les délais convenus ;
— construire avec chaque salarié en parcours un accompagnement adapté à ses besoins ;
— respecter les exigences légales et celles de nos financeurs ;
— améliorer en continu notre organisation, en fixant chaque année des objectifs mesurables.
Cette politique est affichée dans chaque local, présentée à chaque nouvel arrivant et
disponible pour nos partenaires sur notre site internet. Elle est revue chaque année.
Fait le 10 janvier 2025, la présidente et le directeur.
"""),
    dict(key="objectifs-qualite", referential=ISO, expected="6.2", also=("6.2.1", "6.2.2"),
         title="Objectifs qualité 2025", text="""
Objectifs qualité 2025 et plan d'actions associé
Objectif 1 : atteindre 60 % de sorties dynamiques. Indicateur : taux de sorties vers l'emploi
ou la formation. Actions : deux job datings avec des entreprises locales. Pilote : cheffe de
service. Échéance : décembre.
Objectif 2 : réduire à moins de 5 le nombre de réclamations par an. Actions : contrôle final
systématique. Pilote : encadrants. Échéance : fin du premier semestre.
Objectif 3 : 100 % des salariés formés à la sécurité dans le mois de leur arrivée. Ressources :
budget formation de 6 000 euros.
Les résultats sont mesurés chaque trimestre, évalués en comité de pilotage et les objectifs
sont communiqués aux équipes par affichage.
"""),
    dict(key="cartographie-processus", referential=ISO, expected="4.4", also=("4.4.1", "4.4.2"),
         title="Cartographie processus v3", text="""
Cartographie des processus — version 3
Processus de pilotage : stratégie et gouvernance, pilotage de la qualité (revues, audits,
amélioration).
Processus de réalisation : accueil et recrutement des salariés en parcours, production des
prestations (espaces verts, second œuvre, ressourcerie), accompagnement socioprofessionnel,
préparation de la sortie.
Processus supports : ressources humaines, achats, finances, informatique, sécurité.
Les interactions entre processus sont représentées par des flèches : la demande du client entre
par la relation client et ressort en prestation réalisée.
Pour chaque processus, une fiche précise le pilote, les données d'entrée et de sortie, les
ressources, les indicateurs et les risques associés.
"""),
    dict(key="analyse-contexte", referential=ISO, expected="4.1", also=("4.1-climat",),
         title="Analyse SWOT 2025", text="""
Analyse du contexte de la structure — matrice forces, faiblesses, opportunités, menaces
Forces : équipe d'encadrement stable, ancrage local fort, bonne réputation auprès des
collectivités.
Faiblesses : dépendance aux commandes publiques, locaux exigus, parc de véhicules vieillissant.
Opportunités : développement des marchés réservés, besoins croissants en rénovation
énergétique, nouvelles entreprises sur la zone d'activité.
Menaces : réduction des aides au poste, concurrence d'entreprises classiques, difficulté de
recrutement des encadrants.
Changement climatique : les épisodes de chaleur modifient l'organisation des chantiers
extérieurs ; l'enjeu est jugé pertinent et suivi.
Ces enjeux internes et externes sont revus chaque année par la direction.
"""),
    dict(key="parties-interessees", referential=ISO, expected="4.2", also=(),
         title="Tableau parties prenantes", text="""
Identification des parties intéressées et de leurs attentes
Salariés en parcours : un emploi rémunéré, une formation, un accompagnement vers la sortie.
Clients particuliers et collectivités : des travaux de qualité, un prix juste, le respect des
délais.
État et DDETS : le respect de la convention, des résultats d'insertion, des dialogues de gestion
préparés.
Conseil départemental : l'accompagnement des bénéficiaires du RSA.
Prescripteurs (France Travail, missions locales) : un retour sur les parcours.
Fournisseurs, réseau et voisins des chantiers.
Pour chaque partie : niveau d'influence, attentes, comment elles sont suivies. Ce tableau est
relu chaque année et lors de tout changement important.
"""),
    dict(key="manuel-qualite-perimetre", referential=ISO, expected="4.3", also=(),
         title="Manuel qualité - domaine d'application", text="""
Manuel qualité — chapitre 1 : domaine d'application du système
Le système couvre l'ensemble des activités d'insertion par l'activité économique de
l'association sur ses deux sites (Saint-Herblain et Rezé) : mise à disposition de personnel,
chantiers d'espaces verts et de second œuvre, ressourcerie.
Les activités de l'antenne de formation ne sont pas couvertes.
Exigence non applicable : conception et développement (article 8.3). Justification : nos
prestations sont définies par le client ou par des cahiers des charges existants ; nous ne
concevons pas de nouveaux produits ou services.
Ce périmètre est validé par la direction, tenu à jour et communiqué à l'organisme
certificateur.
"""),
    dict(key="procedure-maitrise-documents", referential=ISO, expected="7.5",
         also=("7.5.1", "7.5.2", "7.5.3", "7.5.3.1", "7.5.3.2"),
         title="PR-01 Gestion documentaire", text="""
Procédure PR-01 — Gestion des documents et des enregistrements
Chaque document porte un titre, une référence, un numéro de version, une date et le nom de la
personne qui l'a approuvé.
Rédaction et validation : le rédacteur propose, le pilote du processus relit, la direction
approuve. Les modifications sont signalées en marge.
Diffusion : les documents en vigueur sont sur le serveur partagé, dossier « Qualité en
vigueur » en lecture seule ; les versions imprimées à l'atelier sont tamponnées « copie
contrôlée ». Les versions périmées sont archivées dans un dossier séparé.
Enregistrements : durée de conservation fixée dans le tableau des enregistrements (exemple :
dossiers des salariés en parcours, 5 ans). Sauvegarde quotidienne du serveur.
"""),
    dict(key="carnet-entretien-vehicules", referential=ISO, expected="7.1.3", also=("7.1",),
         title="Suivi entretien véhicules et matériel", text="""
Suivi de l'entretien des véhicules, engins et outillage — 2025
Camion benne AB-123-CD : révision le 12/02, contrôle technique le 03/06, pneus changés.
Fourgon EF-456-GH : vidange le 20/03 ; panne d'embrayage en septembre, immobilisé 9 jours.
Tondeuses autoportées : affûtage et vérification des sécurités avant la saison.
Débroussailleuses et tronçonneuses : vérification hebdomadaire par les encadrants, fiche signée.
Locaux : contrôle annuel des extincteurs, vérification électrique réalisée le 14/10.
Informatique : renouvellement de deux postes, sauvegarde testée.
Un planning d'entretien préventif fixe les échéances ; toute panne est notée avec sa date et sa
durée d'immobilisation pour décider des remplacements.
"""),
    dict(key="etalonnage-appareils", referential=ISO, expected="7.1.5", also=("7.1.5.1", "7.1.5.2"),
         title="Vérification des instruments de mesure", text="""
Fiche de vérification des équipements de mesure
Équipements : balance de la ressourcerie (portée 150 kg), humidimètre, télémètre laser,
détecteur de tension.
La balance sert à peser les dons et les ventes déclarés à l'éco-organisme : elle est vérifiée
chaque trimestre avec des masses étalons et étalonnée chaque année par un prestataire
accrédité. Certificat d'étalonnage n° 2025-8891 du 4 avril 2025 : écart constaté 20 g,
conforme.
Chaque appareil porte une étiquette indiquant la date de la prochaine vérification. Un appareil
hors tolérance est retiré et les pesées réalisées depuis la dernière vérification sont
réexaminées.
"""),
    dict(key="plan-communication", referential=ISO, expected="7.4", also=(),
         title="Plan de communication interne", text="""
Plan de communication interne et externe 2025
Quoi, quand, à qui, comment, qui :
— réunion d'équipe hebdomadaire le lundi matin, par les encadrants, sur le planning et la
sécurité ;
— lettre d'information trimestrielle aux salariés, par la direction ;
— panneau d'affichage : politique qualité, consignes, résultats des indicateurs ;
— comité des salariés en parcours tous les deux mois, animé par la cheffe de service ;
— communication externe : site internet, réseaux sociaux, rapport d'activité annuel diffusé aux
partenaires et financeurs, rencontres avec les prescripteurs.
Le responsable de chaque action et le support utilisé sont précisés ; le plan est évalué en fin
d'année.
"""),
    dict(key="livret-sensibilisation", referential=ISO, expected="7.3", also=("7.4",),
         title="Support réunion qualité tous salariés", text="""
Réunion d'information qualité — support présenté à l'ensemble du personnel, juin 2025
Pourquoi une démarche qualité ? Pour que nos clients soient satisfaits et que chacun sache ce
qui est attendu de lui.
Ce que vous devez connaître : notre politique qualité et ses engagements ; les objectifs de
l'année et les résultats obtenus ; comment votre travail contribue à la satisfaction des clients
et au bon déroulement des parcours ; ce qui se passe si les consignes ne sont pas respectées
(reprises de chantier, réclamations, accidents).
Quiz de fin de séance : 22 participants, 85 % de bonnes réponses.
Liste de présence signée en annexe. Prochaine réunion de sensibilisation en décembre.
"""),
    dict(key="revue-devis", referential=ISO, expected="8.2.3",
         also=("8.2.3.1", "8.2.3.2", "8.2", "8.2.2"),
         title="Check-list validation devis", text="""
Validation d'un devis avant envoi au client
Devis n° D-2025-118, client : mairie de Couëron, objet : entretien des espaces verts du
cimetière, 12 passages par an.
Points vérifiés avant de s'engager : la demande du client est-elle bien comprise (surfaces,
fréquence, horaires) ? Les exigences réglementaires sont-elles identifiées (produits
phytosanitaires interdits) ? Avons-nous les moyens humains et matériels ? Le délai est-il
tenable ? Les écarts entre la demande et notre proposition sont-ils levés ?
Décision : devis validé par le directeur le 18/03/2025 avec une modification du nombre de
passages en été. Le bon de commande reçu a été comparé au devis : conforme.
"""),
    dict(key="planning-chantiers", referential=ISO, expected="8.1", also=("8.5", "8.5.1"),
         title="Mode opératoire chantier peinture", text="""
Mode opératoire — chantier de peinture en logement occupé
Préparation : confirmer le rendez-vous avec l'occupant, vérifier le bon de travaux et les
teintes, préparer le matériel selon la liste.
Réalisation : protéger les sols et les meubles, lessiver, reboucher, poncer, appliquer la
sous-couche puis deux couches de finition ; respecter les temps de séchage.
Contrôles : autocontrôle du salarié à chaque étape, contrôle de l'encadrant avant la finition,
réception avec l'occupant.
Conditions maîtrisées : le salarié dispose du mode opératoire, des équipements de protection
et d'un encadrant présent sur le chantier. Les bons de travaux signés sont conservés.
"""),
    dict(key="gestion-changement", referential=ISO, expected="6.3", also=(),
         title="Note déménagement atelier", text="""
Note de planification — déménagement de l'atelier de menuiserie vers le site de Rezé
Raison du changement : fin du bail en décembre, locaux trop petits.
Conséquences possibles : interruption des commandes pendant deux semaines, perte de repères
pour les salariés en parcours, nouvelles règles de sécurité à mettre en place.
Dispositions : déménagement en deux temps pendant la fermeture de Noël, information des clients
un mois avant, visite du nouveau site avec chaque équipe, mise à jour du document unique et des
plans d'évacuation.
Ressources : 4 000 euros, deux journées de l'ensemble des équipes. Responsable : directeur
adjoint. Le maintien de l'activité pendant la transition est vérifié chaque semaine.
"""),
    dict(key="capitalisation-savoirs", referential=ISO, expected="7.1.6", also=(),
         title="Fiches savoir-faire atelier", text="""
Capitalisation des savoir-faire de l'atelier de réparation de vélos
Avant le départ en retraite de notre encadrant mécanicien, nous avons rédigé avec lui vingt
fiches « savoir-faire » illustrées : réglage des freins, changement de chaîne, dévoilage d'une
roue, diagnostic d'un vélo à assistance électrique.
Les fiches sont rangées dans le classeur de l'atelier et sur le serveur. Chaque nouvel
encadrant les relit avec un salarié expérimenté. Les retours d'expérience des chantiers et les
erreurs rencontrées sont ajoutés lors de la réunion mensuelle.
Nous participons aussi aux échanges de pratiques du réseau régional pour acquérir les
connaissances qui nous manquent.
"""),
    dict(key="tableau-bord-indicateurs", referential=ISO, expected="9.1.3", also=("9.1", "9.1.1"),
         title="Tableau de bord trimestriel", text="""
Tableau de bord qualité — analyse du troisième trimestre
Données recueillies : heures de production, taux d'absentéisme, délais d'intervention,
réclamations, accidents du travail, sorties des salariés en parcours, résultats des contrôles
finaux.
Analyse : le délai moyen d'intervention augmente (8 jours contre 6) en raison d'une équipe
incomplète ; l'absentéisme baisse après la mise en place des entretiens de retour ; aucun
accident avec arrêt.
Évaluation : l'objectif de délai n'est pas atteint ; les autres indicateurs sont conformes.
Les tendances sont présentées sous forme de graphiques et servent de données d'entrée à la
revue de direction. Méthode de calcul de chaque indicateur en annexe.
"""),
    dict(key="plan-amelioration", referential=ISO, expected="10.3", also=("10.1",),
         title="Plan d'amélioration continue", text="""
Plan d'amélioration 2025-2026
Sources des améliorations : suggestions des salariés recueillies dans la boîte à idées, résultats
des audits, analyse des indicateurs, retours des clients et des partenaires.
Projets retenus : dématérialiser les bons d'intervention (gain de temps, moins de pertes),
créer un atelier de préparation des chantiers le vendredi, mettre en place un parrainage entre
anciens et nouveaux salariés.
Chaque projet a un porteur, une échéance et un indicateur de résultat. Les projets aboutis sont
présentés à toute l'équipe, les idées non retenues reçoivent une réponse motivée.
Bilan de l'année précédente : 7 projets sur 9 menés à terme.
"""),
    dict(key="conditions-travail", referential=ISO, expected="7.1.4", also=(),
         title="Diagnostic ergonomie atelier tri", text="""
Diagnostic de l'environnement de travail de l'atelier de tri
Constats de la visite du 5 mai avec le service de santé au travail : éclairage insuffisant au
poste de tri des livres, température élevée l'été sous la toiture, bruit de la presse à
balles, tables de tri trop basses provoquant des douleurs de dos.
Facteurs humains et psychologiques : le travail en binôme est apprécié, les pauses sont
respectées, un espace calme est demandé pour les entretiens.
Mesures : installation de rampes LED, tables réglables en hauteur, ventilateurs, casques
anti-bruit. Un point sur le climat de l'équipe est fait chaque mois par l'encadrante.
"""),
    dict(key="controle-final-livraison", referential=ISO, expected="8.6", also=("8.5", "8.5.1"),
         title="PV de réception de travaux", text="""
Procès-verbal de réception de travaux
Chantier : rénovation des peintures de la salle polyvalente, commune de Sautron.
Vérifications réalisées avant la remise au client : surfaces conformes au descriptif, teintes
conformes au nuancier choisi, absence de coulures, nettoyage des sols et des menuiseries.
Résultat : travaux réceptionnés sans réserve le 28 août 2025.
La personne qui autorise la remise : M. Robert, encadrant technique, après son contrôle.
Signature du représentant de la commune.
Une prestation ne peut être facturée qu'après ce procès-verbal signé ; en cas de réserve, la
reprise est planifiée et un nouveau contrôle est réalisé.
"""),
    dict(key="cles-clients", referential=ISO, expected="8.5.3", also=(),
         title="Registre des clés confiées", text="""
Registre des clés et des biens confiés par nos clients
Pour les prestations de ménage et de petit jardinage chez des particuliers, certains clients nous
confient un double de leurs clés ou leur matériel (tondeuse, échelle).
Chaque remise est enregistrée : client, objet confié, date, personne qui l'a reçu, lieu de
rangement (armoire fermée à clé au bureau). Les clés sont identifiées par un code, jamais par
l'adresse.
En cas de perte ou de détérioration, le client est prévenu le jour même et la situation est
notée dans le registre, avec la solution apportée. Les données personnelles des clients sont
protégées.
"""),
    dict(key="tracabilite-interventions", referential=ISO, expected="8.5.2", also=("8.5", "8.5.1"),
         title="Bons d'intervention numérotés", text="""
Identification et suivi des interventions
Chaque intervention reçoit un numéro unique (année, site, numéro d'ordre) repris sur le bon
d'intervention, le planning, la facture et les photographies.
Les lots de mobilier revalorisé à la ressourcerie portent une étiquette avec le numéro du don,
la date d'entrée et l'état (à réparer, vérifié, prêt à la vente).
Ce marquage permet de retrouver à tout moment qui a réalisé le travail, avec quels produits et
à quelle date, et de savoir si un objet a été contrôlé avant la vente.
Les bons sont archivés par mois pendant trois ans.
"""),
]
